// error: 4: assignment to something that is not a variable
int main()
{
	1 = 2;
	return 0;
}
