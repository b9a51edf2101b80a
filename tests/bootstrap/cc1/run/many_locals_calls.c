/* arguments and locals survive nested calls; the callee cannot see the caller's frame */
int mix(int a, int b, int c)
{
	int t1 = a * 100;
	int t2 = b * 10;
	return t1 + t2 + c;
}

int outer(int p, int q)
{
	int r = mix(p, q, 1);
	int s = mix(q, p, mix(1, 2, 3));
	return r + s + p + q;
}

int main()
{
	int a = 1;
	int b = 2;
	int c = outer(a, b);
	show("c", c);
	show("a", a);
	show("b", b);
	show("expr", mix(outer(1, 1), mix(1, 1, 1), outer(2, 3)));
	return 0;
}
