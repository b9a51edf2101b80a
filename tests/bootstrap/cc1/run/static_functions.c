/* static functions and globals behave as ordinary ones */
static int hidden = 5;

static int twice(int x)
{
	return 2 * x;
}

static char* name()
{
	return "static";
}

int main()
{
	show("twice", twice(hidden));
	put_s(name());
	nl();
	return 0;
}
