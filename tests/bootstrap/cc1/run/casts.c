/* casts between integer types and pointers */
int main()
{
	int i = 0x12345678;
	int n = -1;
	char* p = "hello";
	long addr;
	show("(char)i", (char)i);
	show("(unsigned char)n", (unsigned char)n);
	showu("(unsigned)n", (unsigned)n);
	show("(int)(char)200", (int)(char)200);
	addr = (long)p;
	put_s((char*)addr);
	nl();
	show("back", ((char*)addr)[1]);
	show("(long)n", (long)n);
	showu("(unsigned long)(unsigned)n", (unsigned long)(unsigned)n);
	(void)i;
	return 0;
}
