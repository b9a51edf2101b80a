/* long is the word size: 32 bits on x86, 64 on amd64; ints widen to it */
int main()
{
	long a = 2000000000;
	long b = a + a;
	int i = -5;
	unsigned u = 4000000000u;
	long c = i;
	long d = u;
	long e = 123456789;
	show("b", b);
	show("c", c);
	show("d", d);
	show("mul", e * 1000);
	show("div", (e * 1000) / 7);
	show("neg", -e * 3);
	show("cmp", b > a);
	show("sar", (0 - e * 16) >> 3);
	showu("ulong", (unsigned long)-1);
	show("mixed", i + u > 0);
	show("wide", (long)i * u);
	return 0;
}
