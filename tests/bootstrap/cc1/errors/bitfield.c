// error: 4: bit-fields are not supported
struct flags
{
	int a : 3;
};
int main() { return 0; }
