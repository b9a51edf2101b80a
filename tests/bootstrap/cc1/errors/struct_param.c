// error: 6: struct parameters are not supported
struct s
{
	int a;
};
int f(struct s v)
{
	return 0;
}
int main() { return 0; }
