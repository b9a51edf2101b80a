// error: 4: bad or too large number: 089
int main()
{
	return 089;
}
