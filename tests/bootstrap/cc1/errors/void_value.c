// error: 5: void value used
void f() { }
int main()
{
	int x = 1 + f();
	return x;
}
