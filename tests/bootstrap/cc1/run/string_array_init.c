/* char arrays initialized by strings, globally, and filled at run time */
char greeting[] = "hello";
char padded[10] = "ab";
char* words[4];

int main()
{
	int i;
	words[0] = greeting;
	words[1] = padded;
	words[2] = "literal";
	words[3] = 0;
	greeting[0] = 'j';
	for(i = 0; words[i] != 0; i = i + 1)
	{
		put_s(words[i]);
		nl();
	}
	show("pad", padded[5]);
	show("size", sizeof(greeting));
	return 0;
}
