/* assignments inside conditions, the EOF idiom */
char* src = "abc";
int pos;

int next_char()
{
	int c = src[pos];
	if(c == 0) return -1;
	pos = pos + 1;
	return c;
}

int main()
{
	int c;
	int n = 0;
	while((c = next_char()) != -1)
	{
		put_c(c);
		n = n + 1;
	}
	nl();
	show("n", n);
	show("eof", c == 0xFFFFFFFF);
	if((n = n * 2) > 5) show("n", n);
	return 0;
}
