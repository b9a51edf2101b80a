// error: 7: not a constant: x
int main()
{
	int x = 1;
	switch(1)
	{
	case x: break;
	}
	return 0;
}
