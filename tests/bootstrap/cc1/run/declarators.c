/* several declarators in one declaration, mixing pointers and arrays */
int g1, *gp, garr[3];
typedef int num, *nump;

int main()
{
	int a = 1, b = 2, *p = &a, arr[4];
	char c = 'x', *s = "str";
	num n = 5;
	nump np = &n;
	gp = &g1;
	*gp = 9;
	garr[2] = 7;
	arr[3] = a + b;
	show("a", *p);
	show("arr", arr[3]);
	show("g1", g1);
	show("garr", garr[2]);
	show("c", c);
	put_s(s);
	nl();
	show("np", *np);
	return 0;
}
