/* Euclid, sieve and modular exponentiation */
int gcd(int a, int b)
{
	while(b != 0)
	{
		int t = a % b;
		a = b;
		b = t;
	}
	return a;
}

int powmod(int b, int e, int m)
{
	long r = 1;
	long x = b % m;
	while(e > 0)
	{
		if(e & 1) r = r * x % m;
		x = x * x % m;
		e = e >> 1;
	}
	return r;
}

char sieve[1000];

int main()
{
	int i;
	int j;
	int count = 0;
	show("gcd", gcd(1071, 462));
	show("gcd2", gcd(17, 5));
	for(i = 2; i < 1000; i = i + 1)
	{
		if(sieve[i]) continue;
		count = count + 1;
		for(j = i * i; j < 1000; j = j + i) sieve[j] = 1;
	}
	show("primes", count);
	show("powmod", powmod(7, 560, 561));
	show("powmod2", powmod(3, 200, 1000));
	return 0;
}
