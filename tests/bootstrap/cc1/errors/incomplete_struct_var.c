// error: 4: variable of incomplete type
int main()
{
	struct nowhere v;
	return 0;
}
