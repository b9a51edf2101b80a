/* bit counting, reversing and power-of-two tests */
int popcount(unsigned x)
{
	int n = 0;
	while(x)
	{
		n = n + (x & 1);
		x = x >> 1;
	}
	return n;
}

unsigned reverse(unsigned x)
{
	unsigned r = 0;
	int i;
	for(i = 0; i < 32; i = i + 1)
	{
		r = (r << 1) | (x & 1);
		x = x >> 1;
	}
	return r;
}

int main()
{
	show("pop", popcount(0xF0F0F0F1));
	showu("rev", reverse(1));
	showu("rev2", reverse(0x12345678));
	show("pow2", (64 & 63) == 0);
	show("notpow2", (96 & 95) == 0);
	show("lowbit", 40 & -40);
	showu("rot", (0x80000001u << 1) | (0x80000001u >> 31));
	return 0;
}
