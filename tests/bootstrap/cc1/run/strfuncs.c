/* string helpers of its own: copy, compare, reverse, number to text and back */
void copy(char* d, char* s)
{
	while(*s)
	{
		*d = *s;
		d = d + 1;
		s = s + 1;
	}
	*d = 0;
}

int compare(char* a, char* b)
{
	while(*a && *a == *b)
	{
		a = a + 1;
		b = b + 1;
	}
	return *a - *b;
}

void rev(char* s)
{
	char* e = s;
	char t;
	while(*e) e = e + 1;
	e = e - 1;
	while(s < e)
	{
		t = *s;
		*s = *e;
		*e = t;
		s = s + 1;
		e = e - 1;
	}
}

int parse(char* s)
{
	int v = 0;
	int sign = 1;
	if(*s == '-')
	{
		sign = -1;
		s = s + 1;
	}
	while(*s >= '0' && *s <= '9')
	{
		v = v * 10 + *s - '0';
		s = s + 1;
	}
	return sign * v;
}

int main()
{
	char buf[64];
	copy(buf, "palindrome");
	rev(buf);
	put_s(buf);
	nl();
	show("cmp1", compare("abc", "abd") < 0);
	show("cmp2", compare("b", "a") > 0);
	show("cmp3", compare("same", "same"));
	show("parse", parse("-12345") + parse("678"));
	show("strlen", strlen(buf));
	show("strcmp", strcmp("x", "x"));
	return 0;
}
