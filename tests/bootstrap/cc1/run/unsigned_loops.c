/* unsigned counters counting down and wrapping */
int main()
{
	unsigned i;
	unsigned n = 0;
	for(i = 10; i > 0; i = i - 1) n = n + i;
	showu("n", n);
	i = 0;
	i = i - 1;
	showu("wrap", i);
	show("gt", i > 1000);
	n = 0;
	for(i = 3; i != 0xFFFFFFFF; i = i - 1) n = n + 1;
	showu("count", n);
	return 0;
}
