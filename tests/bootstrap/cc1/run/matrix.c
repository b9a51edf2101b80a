/* matrix multiply through two-dimensional arrays and pointer parameters */
int a[4][4];
int b[4][4];
int c[4][4];

void mul(int n)
{
	int i;
	int j;
	int k;
	int s;
	for(i = 0; i < n; i = i + 1)
	{
		for(j = 0; j < n; j = j + 1)
		{
			s = 0;
			for(k = 0; k < n; k = k + 1) s = s + a[i][k] * b[k][j];
			c[i][j] = s;
		}
	}
}

int trace(int* m, int n)
{
	int t = 0;
	int i;
	for(i = 0; i < n; i = i + 1) t = t + m[i * n + i];
	return t;
}

int main()
{
	int i;
	int j;
	for(i = 0; i < 4; i = i + 1)
	{
		for(j = 0; j < 4; j = j + 1)
		{
			a[i][j] = i + j;
			b[i][j] = i - j;
		}
	}
	mul(4);
	for(i = 0; i < 4; i = i + 1)
	{
		for(j = 0; j < 4; j = j + 1)
		{
			put_i(c[i][j]);
			put_c(' ');
		}
		nl();
	}
	show("trace", trace(&c[0][0], 4));
	return 0;
}
