/* sorting an array of strings with a comparison of its own */
int cmp(char* a, char* b)
{
	while(*a && *a == *b)
	{
		a++;
		b++;
	}
	return (*a & 255) - (*b & 255);
}

int main()
{
	char* w[7];
	int i;
	int j;
	char* t;
	w[0] = "pear";
	w[1] = "apple";
	w[2] = "fig";
	w[3] = "banana";
	w[4] = "apricot";
	w[5] = "date";
	w[6] = "app";
	for(i = 0; i < 7; i++)
		for(j = 0; j + 1 < 7 - i; j++)
			if(cmp(w[j], w[j + 1]) > 0)
			{
				t = w[j];
				w[j] = w[j + 1];
				w[j + 1] = t;
			}
	for(i = 0; i < 7; i++)
	{
		put_s(w[i]);
		put_c(' ');
	}
	nl();
	return 0;
}
