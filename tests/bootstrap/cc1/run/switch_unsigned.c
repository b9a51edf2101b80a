/* switch on unsigned, large and char values */
char* kind(unsigned v)
{
	switch(v)
	{
	case 0xFFFFFFFF: return "all ones";
	case 0x80000000: return "top bit";
	case 7: return "seven";
	}
	return "other";
}

int main()
{
	char c = -1;
	put_s(kind(0xFFFFFFFF));
	nl();
	put_s(kind(0x80000000));
	nl();
	put_s(kind(7));
	nl();
	put_s(kind(8));
	nl();
	switch(c)
	{
	case -1: put_s("minus one\n"); break;
	case 255: put_s("255\n"); break;
	}
	switch('\n')
	{
	case '\t': put_s("tab\n"); break;
	case '\n': put_s("newline\n"); break;
	}
	return 0;
}
