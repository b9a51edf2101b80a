// error: 7: expected 'while' after do body
int main()
{
	do
	{
	}
	return 0;
}
