// error: 4: goto to an undefined label nowhere
int main()
{
	goto nowhere;
	return 0;
}
