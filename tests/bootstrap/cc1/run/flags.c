/* bit flags defined as constants, set, tested and cleared */
#define F_READ 1
#define F_WRITE 2
#define F_EXEC 4
#define F_ALL (F_READ | F_WRITE | F_EXEC)
// CONSTANT F_READ 1
// CONSTANT F_WRITE 2
// CONSTANT F_EXEC 4

void describe(int f)
{
	if(f & F_READ) put_c('r');
	else put_c('-');
	if(f & F_WRITE) put_c('w');
	else put_c('-');
	if(f & F_EXEC) put_c('x');
	else put_c('-');
	nl();
}

int main()
{
	int f = 0;
	describe(f);
	f |= F_READ | F_EXEC;
	describe(f);
	f &= ~F_READ;
	describe(f);
	f ^= F_WRITE;
	describe(f);
	show("all", (f | F_READ) == 7);
	return 0;
}
