// error: 4: array size missing for a
int main()
{
	int a[];
	return 0;
}
