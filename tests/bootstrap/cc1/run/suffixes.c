/* integer suffixes U and L */
int main()
{
	unsigned a = 10U;
	long b = 20L;
	unsigned long c = 30UL;
	show("a", a);
	show("b", b);
	show("c", c);
	show("hexu", 0xFFu > 0);
	show("cmp", -1 < 1U);
	return 0;
}
