// error: 4: expected ')'
int main()
{
	return (1 + 2;
}
