// error: 5: expected ';'
int main()
{
	int x = 1
	return x;
}
