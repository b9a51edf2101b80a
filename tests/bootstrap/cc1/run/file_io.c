/* fopen, fputs, fputc, fclose, then read back with fgetc until EOF */
int main()
{
	FILE* f = fopen("data.txt", "w");
	int c;
	int n = 0;
	int i;
	if(f == 0) return 1;
	fputs("line one\n", f);
	for(i = 0; i < 5; i = i + 1) fputc('a' + i, f);
	fputc('\n', f);
	fclose(f);
	f = fopen("data.txt", "r");
	if(f == 0) return 2;
	while((c = fgetc(f)) != EOF)
	{
		put_c(c);
		n = n + 1;
	}
	fclose(f);
	show("n", n);
	show("missing", fopen("no-such-file", "r") == 0);
	return 0;
}
