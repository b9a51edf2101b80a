/* char parameters and char returns truncate, and are signed */
char id(char c)
{
	return c;
}

int widen(char c)
{
	return c;
}

unsigned char uid(unsigned char c)
{
	return c;
}

int main()
{
	show("id300", id(300));
	show("widen200", widen(200));
	show("uid300", uid(300));
	show("uid-1", uid(-1));
	show("sum", id('a') + id('b'));
	return 0;
}
