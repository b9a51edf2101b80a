/* mutually recursive functions declared before use, deep */
int ping(int n);
int pong(int n);

int ping(int n)
{
	if(n <= 0) return 0;
	return 1 + pong(n - 1);
}

int pong(int n)
{
	if(n <= 0) return 0;
	return 2 + ping(n - 1);
}

int main()
{
	show("ping", ping(5001));
	show("pong", pong(10));
	return 0;
}
