/* an unsigned char counter wraps from 255 to 0 */
int main()
{
	unsigned char c = 250;
	int n = 0;
	while(n < 10)
	{
		put_i(c);
		put_c(' ');
		c++;
		n++;
	}
	nl();
	c = 0;
	c--;
	show("c", c);
	return 0;
}
