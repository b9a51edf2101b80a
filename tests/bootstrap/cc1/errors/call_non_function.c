// error: 6: a struct or union cannot be used as a value
struct s { int a; };
int main()
{
	struct s v;
	return v(1);
}
