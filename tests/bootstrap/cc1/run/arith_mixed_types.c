/* mixed char, int, unsigned and long operands follow the usual conversions */
int main()
{
	char c = -1;
	unsigned char uc = 255;
	int i = -2;
	unsigned u = 1;
	long l = -3;
	unsigned long ul = 2;
	show("c+uc", c + uc);
	show("c*i", c * i);
	show("i+u>0", i + u > 0);
	show("l+u", l + u);
	show("c<u", c < u);
	show("l<ul", l < ul);
	show("uc>>1", uc >> 1);
	show("c>>1", c >> 1);
	show("i/u", (i / u) > 1000);
	show("c==255", c == 255);
	show("uc==255", uc == 255);
	return 0;
}
