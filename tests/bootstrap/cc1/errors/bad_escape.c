// error: 4: unknown escape sequence
int main()
{
	char* s = "\q";
	return 0;
}
