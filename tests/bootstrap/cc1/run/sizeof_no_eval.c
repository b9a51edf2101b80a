/* sizeof does not evaluate its operand */
int calls;

int f()
{
	calls = calls + 1;
	return 1;
}

int main()
{
	int x = 5;
	int n = sizeof(x++);
	int m = sizeof(f());
	int k = sizeof f() + sizeof(calls = 9);
	show("n", n);
	show("m", m);
	show("k", k);
	show("x", x);
	show("calls", calls);
	return 0;
}
