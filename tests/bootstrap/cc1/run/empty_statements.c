/* empty statements, empty blocks, empty loop bodies */
int main()
{
	int i;
	;;
	{}
	{ ; }
	for(i = 0; i < 10; i = i + 1);
	show("i", i);
	while(i > 5) i = i - 1;
	show("i", i);
	if(i) {} else {}
	return 0;
}
