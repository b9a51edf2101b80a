/* & | ^ ~ << >> on signed and unsigned values */
int main()
{
	int x = 0x5A5A;
	int y = 0x0FF0;
	int n = -256;
	unsigned u = 0x80000000;
	show("and", x & y);
	show("or", x | y);
	show("xor", x ^ y);
	show("not", ~x);
	show("shl", x << 4);
	show("shr", x >> 3);
	show("sar", n >> 4);
	showu("ushr", u >> 31);
	showu("ushl", u << 1);
	show("shl31", 1 << 31);
	show("mask", (x >> 8) & 255);
	show("prec", 1 | 2 ^ 3 & 4);
	show("shiftprec", 1 << 2 + 1);
	return 0;
}
