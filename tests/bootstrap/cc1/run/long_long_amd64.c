// arch: amd64
/* long long is 64 bits on amd64 */
int main()
{
	long long a = 1;
	unsigned long long u = 0;
	int i;
	for(i = 0; i < 40; i = i + 1) a = a * 2;
	show("a", a);
	u = u - 1;
	showu("u", u);
	show("size", sizeof(long long));
	return 0;
}
