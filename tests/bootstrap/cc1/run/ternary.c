/* ?: nested, as an lvalue source, with pointers and side effects */
int f(int x)
{
	return x > 0 ? x * 2 : x < 0 ? -x : 100;
}

int main()
{
	char* yes = "yes";
	char* no = "no";
	int i;
	int c = 0;
	for(i = -2; i <= 2; i = i + 1) show("f", f(i));
	put_s(1 ? yes : no);
	nl();
	put_s(0 ? yes : no);
	nl();
	i = 5;
	c = i > 3 ? 7 : 9;
	show("c", c);
	show("prec", 1 + 0 ? 2 : 3);
	show("assoc", 0 ? 1 : 0 ? 2 : 3);
	return 0;
}
