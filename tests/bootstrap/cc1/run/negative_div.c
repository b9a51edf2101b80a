/* division and remainder of negative numbers by constants and variables */
int main()
{
	int vals[6];
	int divs[4];
	int i;
	int j;
	vals[0] = -7;
	vals[1] = 7;
	vals[2] = -8;
	vals[3] = 0;
	vals[4] = -2147483647;
	vals[5] = 1000;
	divs[0] = 2;
	divs[1] = -2;
	divs[2] = 3;
	divs[3] = -7;
	for(i = 0; i < 6; i = i + 1)
	{
		for(j = 0; j < 4; j = j + 1)
		{
			put_i(vals[i] / divs[j]);
			put_c(' ');
			put_i(vals[i] % divs[j]);
			put_c(' ');
		}
		nl();
	}
	show("shift", -7 >> 1);
	show("div4", -7 / 4);
	return 0;
}
