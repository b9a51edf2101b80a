/* octal literals and escapes, as M2libc's fcntl.h uses them */
int main()
{
	show("0", 0);
	show("00100", 00100);
	show("0600", 0600);
	show("001000", 001000);
	show("0777", 0777);
	show("esc", '\177');
	show("esc0", '\0');
	return 0;
}
