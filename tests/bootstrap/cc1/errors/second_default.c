// error: 7: second default in a switch
int main()
{
	switch(1)
	{
	default: break;
	default: break;
	}
	return 0;
}
