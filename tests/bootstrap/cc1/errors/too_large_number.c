// error: 4: bad or too large number
int main()
{
	return 0x123456789;
}
