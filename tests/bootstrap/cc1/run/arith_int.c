/* + - * / % on ints, with negative operands and C's truncation toward zero */
int main()
{
	int a = 17;
	int b = -5;
	show("a+b", a + b);
	show("a-b", a - b);
	show("a*b", a * b);
	show("a/b", a / b);
	show("a%b", a % b);
	show("b/a", b / a);
	show("b%a", b % a);
	show("-a/b", -a / b);
	show("-a%b", -a % b);
	show("prec", 2 + 3 * 4 - 10 / 3 % 2);
	show("paren", (2 + 3) * (4 - 10) / 3);
	show("chain", 100 - 10 - 20 - 30);
	show("div_chain", 1000 / 10 / 5);
	return 0;
}
