// error: 4: character literal
int main()
{
	return 'ab';
}
