// error: 6: continue outside a loop
int main()
{
	switch(1)
	{
	case 1: continue;
	}
	return 0;
}
