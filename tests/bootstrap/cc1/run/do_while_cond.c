/* do-while with continue (goes to the condition) and break */
int main()
{
	int i = 0;
	int odd = 0;
	do
	{
		i = i + 1;
		if(i % 2 == 0) continue;
		odd = odd + i;
		if(i > 15) break;
	} while(i < 20);
	show("i", i);
	show("odd", odd);
	return 0;
}
