// error: 5: duplicate member a
struct s
{
	int a;
	char a;
};
int main() { return 0; }
