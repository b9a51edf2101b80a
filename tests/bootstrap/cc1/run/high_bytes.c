/* bytes above 127 in strings and characters pass through unchanged */
int main()
{
	char* s = "caf\xc3\xa9 \xff\x80";
	int i;
	put_s(s);
	nl();
	for(i = 0; s[i] != 0; i = i + 1)
	{
		put_i(s[i] & 255);
		put_c(' ');
	}
	nl();
	show("signed", s[3]);
	return 0;
}
