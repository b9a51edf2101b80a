/* functions that fill results through pointers and pointers to pointers */
void divmod(int a, int b, int* q, int* r)
{
	*q = a / b;
	*r = a % b;
}

int split(char* s, char** first, char** rest)
{
	*first = s;
	while(*s != 0 && *s != ' ') s = s + 1;
	if(*s == 0) return 0;
	*s = 0;
	*rest = s + 1;
	return 1;
}

int main()
{
	int q;
	int r;
	char buf[32];
	char* a;
	char* b;
	int i;
	char* src = "first second third";
	divmod(47, 5, &q, &r);
	show("q", q);
	show("r", r);
	for(i = 0; src[i]; i = i + 1) buf[i] = src[i];
	buf[i] = 0;
	if(split(buf, &a, &b))
	{
		put_s(a);
		nl();
		put_s(b);
		nl();
	}
	return 0;
}
