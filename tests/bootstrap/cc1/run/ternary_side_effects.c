/* only the chosen branch of ?: is evaluated */
int calls;

int mark(int v)
{
	calls = calls * 10 + v;
	return v;
}

int main()
{
	int x;
	x = mark(1) ? mark(2) : mark(3);
	show("x", x);
	show("calls", calls);
	calls = 0;
	x = mark(0) ? mark(2) : mark(3) ? mark(4) : mark(5);
	show("x", x);
	show("calls", calls);
	return 0;
}
