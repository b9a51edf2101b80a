/* the six comparisons, signed, unsigned and mixed, as values */
int main()
{
	int a = -3;
	int b = 5;
	unsigned ua = 3;
	unsigned ub = 4000000000u;
	show("a<b", a < b);
	show("a<=b", a <= b);
	show("a>b", a > b);
	show("a>=b", a >= b);
	show("a==b", a == b);
	show("a!=b", a != b);
	show("a==a", a == a);
	show("ua<ub", ua < ub);
	show("ua>ub", ua > ub);
	show("a<ua", a < ua);
	show("ub>b", ub > b);
	show("chain", 1 < 2 < 3);
	show("eqchain", 2 == 2 == 1);
	show("sum", (a < b) + (b < a) + (a == -3));
	return 0;
}
