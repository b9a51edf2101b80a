/* deep recursion (the stack holds thousands of frames) and a recursive descent evaluator */
int depth(int n)
{
	if(n == 0) return 0;
	return 1 + depth(n - 1);
}

char* p;

int expr();

int atom()
{
	int v = 0;
	if(*p == '(')
	{
		p = p + 1;
		v = expr();
		p = p + 1;
		return v;
	}
	while(*p >= '0' && *p <= '9')
	{
		v = v * 10 + *p - '0';
		p = p + 1;
	}
	return v;
}

int term()
{
	int v = atom();
	while(*p == '*' || *p == '/')
	{
		if(*p == '*')
		{
			p = p + 1;
			v = v * atom();
		}
		else
		{
			p = p + 1;
			v = v / atom();
		}
	}
	return v;
}

int expr()
{
	int v = term();
	while(*p == '+' || *p == '-')
	{
		if(*p == '+')
		{
			p = p + 1;
			v = v + term();
		}
		else
		{
			p = p + 1;
			v = v - term();
		}
	}
	return v;
}

int main()
{
	show("depth", depth(20000));
	p = "2*(3+4)*5-6/2";
	show("expr", expr());
	p = "((((1+2))))*(((3)))";
	show("expr2", expr());
	return 0;
}
