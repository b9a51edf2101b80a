// error: 8: wrong number of arguments to f
int f(void)
{
	return 0;
}
int main()
{
	return f(1);
}
