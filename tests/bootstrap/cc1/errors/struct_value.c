// error: 10: assignment to an array, struct or function
struct p
{
	int x;
};
int main()
{
	struct p a;
	struct p b;
	b = a;
	return 0;
}
