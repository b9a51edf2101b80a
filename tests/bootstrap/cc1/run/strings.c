/* string literals: escapes, concatenation, indexing, length */
int len(char* s)
{
	int n = 0;
	while(s[n]) n = n + 1;
	return n;
}

int main()
{
	char* s = "tab\there\nnew line, quote \" and backslash \\";
	char* hex = "\x41\x42\103";
	char* joined = "con" "cat" "enated";
	put_s(s);
	nl();
	put_s(hex);
	nl();
	put_s(joined);
	nl();
	show("len", len(joined));
	show("idx", "hello"[1]);
	show("empty", len(""));
	show("nul", len("ab\0cd"));
	put_s("percent % and ? are plain\n");
	return 0;
}
