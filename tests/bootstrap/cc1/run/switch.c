/* switch: fall-through, default anywhere, negative and char cases, nesting, loops */
char* name(int n)
{
	switch(n)
	{
	case 0: return "zero";
	case 1: return "one";
	case -1: return "minus one";
	default: return "many";
	case 100: return "hundred";
	}
}

int fall(int n)
{
	int r = 0;
	switch(n)
	{
	case 1:
		r = r + 1;
	case 2:
		r = r + 10;
	case 3:
		r = r + 100;
		break;
	case 4:
	case 5:
		r = 5;
	}
	return r;
}

int main()
{
	int i;
	int count = 0;
	char* s = "a1b2c3 x";
	for(i = -1; i < 3; i = i + 1)
	{
		put_s(name(i));
		nl();
	}
	put_s(name(100));
	nl();
	for(i = 0; i < 7; i = i + 1) show("fall", fall(i));
	for(i = 0; s[i]; i = i + 1)
	{
		switch(s[i])
		{
		case 'a':
		case 'b':
		case 'c':
			count = count + 1;
			continue;
		case ' ':
			break;
		default:
			switch(s[i] - '0')
			{
			case 1: count = count + 10; break;
			case 2: count = count + 20; break;
			default: count = count + 1000;
			}
		}
		count = count + 100000;
	}
	show("count", count);
	switch(3) { }
	switch(2) { case 1: put_s("no"); }
	return 0;
}
