// error: 4: member array needs a size
struct s
{
	char name[];
};
int main() { return 0; }
