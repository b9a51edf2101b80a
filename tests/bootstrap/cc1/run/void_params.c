/* (void) parameter lists and functions without parameters */
int counter;

void tick(void)
{
	counter = counter + 1;
}

int value(void)
{
	return counter * 2;
}

int main(void)
{
	tick();
	tick();
	tick();
	show("value", value());
	return 0;
}
