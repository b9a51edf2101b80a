/* = is right associative and has the value stored */
int a;
int b;
char c;

int main()
{
	int d;
	a = b = d = 42;
	show("a", a);
	show("b", b);
	show("d", d);
	show("c", c = 300);
	show("c", c);
	a = (b = 3) + (d = 4);
	show("a", a);
	return 0;
}
