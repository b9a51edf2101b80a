/* *p++ = c and a[i++] = v idioms, with compound assignment on indexed elements */
int main()
{
	char buf[16];
	char* p = buf;
	int a[8];
	int i = 0;
	char* s = "copy";
	while(*s) *p++ = *s++;
	*p = 0;
	put_s(buf);
	nl();
	while(i < 8)
	{
		a[i] = i * 2;
		i++;
	}
	show("a7", a[7]);
	i = 3;
	a[i++] += 100;
	show("a3", a[3]);
	show("i", i);
	a[--i] -= 1;
	show("a3", a[3]);
	p = buf + 2;
	show("p[-1]", p[-1]);
	return 0;
}
