// error: 5: dereference of something that is not a pointer
int main()
{
	int x = 1;
	return *x;
}
