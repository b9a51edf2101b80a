// error: 4: unterminated string literal
int main()
{
	char* s = "abc;
	return 0;
}
