/* numbers in bases 2 to 36, and back */
void put_base(unsigned n, int base)
{
	char buf[40];
	int i = 0;
	char* digits = "0123456789abcdefghijklmnopqrstuvwxyz";
	do
	{
		buf[i++] = digits[n % base];
		n = n / base;
	} while(n);
	while(i) put_c(buf[--i]);
	nl();
}

int parse(char* s, int base)
{
	int v = 0;
	int d;
	while(*s)
	{
		if(*s >= '0' && *s <= '9') d = *s - '0';
		else d = *s - 'a' + 10;
		v = v * base + d;
		s++;
	}
	return v;
}

int main()
{
	put_base(255, 2);
	put_base(255, 16);
	put_base(123456789, 36);
	put_base(0xFFFFFFFF, 7);
	show("parse", parse("zz", 36));
	show("parse2", parse("777", 8));
	return 0;
}
