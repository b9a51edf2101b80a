// error: 5: cast to a type that is not a scalar
struct s { int a; };
int main()
{
	return (struct s)1;
}
