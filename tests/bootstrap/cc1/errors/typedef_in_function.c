// error: 4: typedef inside a function is not supported
int main()
{
	typedef int t;
	return 0;
}
