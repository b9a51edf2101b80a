// error: 4: & needs a variable
int main()
{
	int* p = &5;
	return 0;
}
