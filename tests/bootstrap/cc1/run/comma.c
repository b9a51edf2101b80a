/* the comma operator evaluates left to right and yields the right value */
int main()
{
	int a = 1;
	int b = 2;
	int c;
	c = (a = a + 10, b = b * 3, a + b);
	show("c", c);
	show("a", a);
	show("b", b);
	for(a = 0, b = 0; a < 5; a = a + 1, b = b + a) ;
	show("b", b);
	return 0;
}
