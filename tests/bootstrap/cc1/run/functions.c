/* recursion, many arguments, forward calls, void functions, char and unsigned returns */
int later(int x);

int fib(int n)
{
	if(n < 2) return n;
	return fib(n - 1) + fib(n - 2);
}

int ack(int m, int n)
{
	if(m == 0) return n + 1;
	if(n == 0) return ack(m - 1, 1);
	return ack(m - 1, ack(m, n - 1));
}

int sum8(int a, int b, int c, int d, int e, int f, int g, int h)
{
	return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h;
}

char low(int x)
{
	return x;
}

unsigned big()
{
	return 0xFFFFFFF0;
}

void say(char* s)
{
	put_s(s);
	nl();
	return;
}

int is_even(int n);

int is_odd(int n)
{
	if(n == 0) return 0;
	return is_even(n - 1);
}

int is_even(int n)
{
	if(n == 0) return 1;
	return is_odd(n - 1);
}

int main()
{
	show("fib", fib(20));
	show("ack", ack(2, 3));
	show("sum8", sum8(1, 2, 3, 4, 5, 6, 7, 8));
	show("nested", sum8(fib(1), fib(2), fib(3), fib(4), fib(5), fib(6), fib(7), sum8(1, 1, 1, 1, 1, 1, 1, 1)));
	show("low", low(0x1FF));
	showu("big", big());
	say("said");
	show("later", later(4));
	show("odd", is_odd(7));
	show("even", is_even(7));
	return 3;
}

int later(int x)
{
	return x * 100;
}
