/* insertion sort and binary search over an int array */
void sort(int* a, int n)
{
	int i;
	int j;
	int v;
	for(i = 1; i < n; i = i + 1)
	{
		v = a[i];
		j = i - 1;
		while(j >= 0 && a[j] > v)
		{
			a[j + 1] = a[j];
			j = j - 1;
		}
		a[j + 1] = v;
	}
}

int search(int* a, int n, int v)
{
	int lo = 0;
	int hi = n - 1;
	int mid;
	while(lo <= hi)
	{
		mid = (lo + hi) / 2;
		if(a[mid] == v) return mid;
		if(a[mid] < v) lo = mid + 1;
		else hi = mid - 1;
	}
	return -1;
}

int main()
{
	int a[20];
	int i;
	unsigned seed = 12345;
	for(i = 0; i < 20; i = i + 1)
	{
		seed = seed * 1103515245 + 12345;
		a[i] = (seed >> 16) % 1000;
	}
	sort(a, 20);
	for(i = 0; i < 20; i = i + 1)
	{
		put_i(a[i]);
		put_c(' ');
	}
	nl();
	show("found", search(a, 20, a[13]) >= 0);
	show("missing", search(a, 20, 1001));
	return 0;
}
