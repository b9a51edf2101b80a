// error: 4: return with a value in a void function
void f()
{
	return 1;
}
int main()
{
	return 0;
}
