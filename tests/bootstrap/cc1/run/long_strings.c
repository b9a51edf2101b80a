/* long string literals (the M1 text breaks them into lines) and empty ones */
int main()
{
	char* s = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.";
	char* e = "";
	char* j = "" "" "x" "";
	int n = 0;
	while(s[n]) n++;
	put_s(s);
	nl();
	show("len", n);
	show("empty", e[0]);
	put_s(j);
	nl();
	return 0;
}
