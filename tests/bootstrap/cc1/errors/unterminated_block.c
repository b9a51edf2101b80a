// error: 6: unterminated block
int main()
{
	if(1)
	{
		return 0;
