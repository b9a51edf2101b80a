// error: 4: static local variables are not supported
int main()
{
	static int n;
	return n;
}
