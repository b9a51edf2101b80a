/* while, do-while, for with empty parts, break and continue, nested */
int main()
{
	int i = 0;
	int j;
	int total = 0;
	while(i < 10)
	{
		i = i + 1;
		if(i % 2) continue;
		total = total + i;
	}
	show("while", total);
	i = 0;
	do
	{
		i = i + 3;
	} while(i < 10);
	show("do", i);
	i = 0;
	do i = i + 1; while(0);
	show("do once", i);
	for(;;)
	{
		i = i + 1;
		if(i > 20) break;
	}
	show("forever", i);
	total = 0;
	for(i = 0; i < 5; i = i + 1)
	{
		for(j = 0; j < 5; j = j + 1)
		{
			if(j > i) break;
			if(j == 2) continue;
			total = total + j;
		}
	}
	show("nested", total);
	for(i = 0, j = 10; i < j; i = i + 1, j = j - 1) total = total + 1;
	show("comma", total);
	for(int k = 0; k < 3; k++) put_c('0' + k);
	nl();
	i = 5;
	while(i--) put_c('.');
	nl();
	return 0;
}
