// error: 4: else without if
int main()
{
	else return 1;
	return 0;
}
