/* every compound assignment, and its value */
int main()
{
	int x = 100;
	unsigned u = 0xF0000000;
	char c = 10;
	show("+=", x += 5);
	show("-=", x -= 25);
	show("*=", x *= 3);
	show("/=", x /= 7);
	show("%=", x %= 9);
	show("<<=", x <<= 4);
	show(">>=", x >>= 2);
	show("&=", x &= 0x1C);
	show("|=", x |= 0x101);
	show("^=", x ^= 0xFF);
	showu("u>>=", u >>= 4);
	c += 120;
	show("c", c);
	c *= 2;
	show("c*2", c);
	x = 3;
	x += 2 * x;
	show("x", x);
	return 0;
}
