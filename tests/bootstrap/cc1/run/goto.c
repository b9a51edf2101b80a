/* goto forward, backward and out of nested loops */
int find(int* a, int n, int v)
{
	int i;
	for(i = 0; i < n; i = i + 1)
	{
		if(a[i] == v) goto found;
	}
	return -1;
found:
	return i;
}

int main()
{
	int a[5];
	int i = 0;
	int j;
	int k;
again:
	a[i] = i * i;
	i = i + 1;
	if(i < 5) goto again;
	show("find", find(a, 5, 9));
	show("miss", find(a, 5, 7));
	for(j = 0; j < 10; j = j + 1)
	{
		for(k = 0; k < 10; k = k + 1)
		{
			if(j * k == 42) goto out;
		}
	}
out:
	show("j", j);
	show("k", k);
	goto skip;
	put_s("skipped\n");
skip:
	put_s("end\n");
	return 0;
}
