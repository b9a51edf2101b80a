// error: 4: short is not supported
int main()
{
	short s = 1;
	return s;
}
