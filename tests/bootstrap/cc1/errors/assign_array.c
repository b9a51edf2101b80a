// error: 6: assignment to an array, struct or function
int main()
{
	int a[2];
	int b[2];
	a = b;
	return 0;
}
