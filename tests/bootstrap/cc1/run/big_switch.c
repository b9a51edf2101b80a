/* a switch with many cases, dense and sparse */
int code(int c)
{
	switch(c)
	{
	case 'a': return 1;
	case 'b': return 2;
	case 'c': return 3;
	case 'd': return 4;
	case 'e': return 5;
	case 'f': return 6;
	case 'g': return 7;
	case 'h': return 8;
	case 'i': return 9;
	case 'j': return 10;
	case 1000: return 11;
	case -1000: return 12;
	case 0x7FFFFFFF: return 13;
	case -2147483647 - 1: return 14;
	default: return 0;
	}
}

int main()
{
	int i;
	int sum = 0;
	for(i = 'a'; i <= 'k'; i = i + 1) sum = sum * 3 + code(i);
	show("sum", sum);
	show("1000", code(1000));
	show("-1000", code(-1000));
	show("max", code(0x7FFFFFFF));
	show("min", code(-2147483647 - 1));
	return 0;
}
