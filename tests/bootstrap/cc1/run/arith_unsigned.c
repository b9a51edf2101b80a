/* unsigned arithmetic, division and comparison */
int main()
{
	unsigned a = 4000000000u;
	unsigned b = 3;
	unsigned c = 0;
	int m = -1;
	showu("a", a);
	showu("a/b", a / b);
	showu("a%b", a % b);
	showu("a+a", a + a);
	showu("c-1", c - 1);
	show("a>b", a > b);
	show("m<b", m < b);
	show("(unsigned)m>b", (unsigned)m > b);
	showu("m as unsigned", (unsigned)m);
	showu("shr", a >> 4);
	showu("mul", a * 3);
	show("eq", 0xFFFFFFFF == m);
	return 0;
}
