// error: 4: expression expected before ;
int main()
{
	return 1 + ;
}
