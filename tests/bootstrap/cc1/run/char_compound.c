/* compound assignments and ++ on chars, unsigned chars and char pointers */
int main()
{
	char c = 120;
	unsigned char u = 250;
	char* s = "0123456789";
	char* p = s;
	c += 10;
	show("c", c);
	u += 10;
	show("u", u);
	c -= 200;
	show("c", c);
	u *= 3;
	show("u", u);
	p += 3;
	show("*p", *p);
	p -= 1;
	show("*p", *p);
	p++;
	show("*p", *p);
	show("*p++", *p++);
	show("*p", *p);
	show("*++p", *++p);
	show("dist", p - s);
	return 0;
}
