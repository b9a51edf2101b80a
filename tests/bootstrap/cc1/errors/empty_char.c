// error: 4: empty or unterminated character literal
int main()
{
	return '';
}
