// error: 4: unexpected character
int main()
{
	return 1 @ 2;
}
