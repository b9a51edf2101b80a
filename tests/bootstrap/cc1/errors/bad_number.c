// error: 4: bad or too large number: 12ab
int main()
{
	return 12ab;
}
