/* output to stderr does not reach stdout; both are flushed at exit */
int main()
{
	fputs("to stderr\n", stderr);
	put_s("to stdout\n");
	fputs("more stderr\n", stderr);
	return 5;
}
