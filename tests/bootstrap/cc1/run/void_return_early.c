/* early returns from void functions, and from loops */
int log_n;

void record(int v)
{
	if(v < 0) return;
	log_n = log_n + v;
	if(v > 100) return;
	log_n = log_n + 1;
}

int first_negative(int* a, int n)
{
	int i;
	for(i = 0; i < n; i = i + 1)
	{
		while(1)
		{
			if(a[i] < 0) return i;
			break;
		}
	}
	return -1;
}

int main()
{
	int a[4];
	record(-5);
	record(5);
	record(500);
	show("log", log_n);
	a[0] = 3;
	a[1] = 4;
	a[2] = -1;
	a[3] = -2;
	show("first", first_negative(a, 4));
	a[2] = 1;
	a[3] = 1;
	show("none", first_negative(a, 4));
	return 0;
}
