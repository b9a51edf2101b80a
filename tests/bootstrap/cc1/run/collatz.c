/* longest Collatz chain below a bound (long arithmetic on both targets) */
int steps(long n)
{
	int s = 0;
	while(n != 1)
	{
		if(n % 2 == 0) n = n / 2;
		else n = 3 * n + 1;
		s++;
	}
	return s;
}

int main()
{
	int best = 0;
	int arg = 0;
	int i;
	for(i = 1; i < 3000; i++)
	{
		int s = steps(i);
		if(s > best)
		{
			best = s;
			arg = i;
		}
	}
	show("arg", arg);
	show("best", best);
	return 0;
}
