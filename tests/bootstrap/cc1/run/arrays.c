/* arrays: global, local, two-dimensional, of pointers, of structs */
int primes[10];
char* names[3];

struct pair
{
	int k;
	int v;
};

struct pair table[5];

int main()
{
	int grid[3][4];
	int i;
	int j;
	int n = 0;
	int k = 2;
	for(i = 2; n < 10; i = i + 1)
	{
		for(j = 2; j * j <= i; j = j + 1) if(i % j == 0) break;
		if(j * j > i)
		{
			primes[n] = i;
			n = n + 1;
		}
	}
	for(i = 0; i < 10; i = i + 1) show("p", primes[i]);
	for(i = 0; i < 3; i = i + 1) for(j = 0; j < 4; j = j + 1) grid[i][j] = i * 10 + j;
	show("grid", grid[2][3] + grid[1][0]);
	show("gridsize", sizeof(grid) / sizeof(grid[0]));
	names[0] = "zero";
	names[1] = "one";
	names[2] = "two";
	put_s(names[k]);
	nl();
	show("char", names[1][2]);
	for(i = 0; i < 5; i = i + 1)
	{
		table[i].k = i;
		table[i].v = i * i;
	}
	show("table", table[4].v + table[3].k);
	return 0;
}
