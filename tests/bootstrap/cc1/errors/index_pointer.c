// error: 6: array index is not an integer
int main()
{
	int a[3];
	int* p = a;
	return a[p];
}
