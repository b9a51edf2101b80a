/* calloc gives zeroed memory; big blocks; writes and reads through it */
int main()
{
	int* a = calloc(10000, sizeof(int));
	char* b = calloc(100000, 1);
	int i;
	long sum = 0;
	for(i = 0; i < 10000; i = i + 1) sum = sum + a[i];
	show("zero", sum);
	for(i = 0; i < 10000; i = i + 1) a[i] = i;
	for(i = 0; i < 10000; i = i + 1) sum = sum + a[i];
	show("sum", sum);
	b[99999] = 'z';
	show("last", b[99999]);
	show("first", b[0]);
	free(a);
	free(b);
	return 0;
}
