/* goto into and around loops, labels before statements and at the end of a block */
int main()
{
	int i = 0;
	int n = 0;
	goto start;
	while(i < 5)
	{
		n = n + 100;
start:
		i = i + 1;
	}
	show("i", i);
	show("n", n);
	i = 0;
loop:
	if(i >= 3) goto done;
	i = i + 1;
	{
		n = n + 1;
		goto loop;
	}
done:
	show("n", n);
	{
		goto end;
		n = 0;
end:	;
	}
	show("n", n);
	return 0;
}
