/* goto out of a switch and into a case's code */
int f(int x)
{
	int r = 0;
	switch(x)
	{
	case 1:
		r = 10;
		goto done;
	case 2:
		r = 20;
		break;
	default:
		r = -1;
	}
	r = r + 1;
done:
	return r;
}

int main()
{
	show("1", f(1));
	show("2", f(2));
	show("3", f(3));
	return 0;
}
