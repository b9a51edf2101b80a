// error: 6: cannot add two pointers
int main()
{
	char* a = "x";
	char* b = "y";
	return a + b;
}
