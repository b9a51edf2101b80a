/* ++ and -- before and after, on locals, globals, array elements and members */
struct counter
{
	int n;
	char c;
};

int g;
int arr[4];

int main()
{
	int i = 5;
	char c = 'a';
	struct counter s;
	struct counter* p = &s;
	s.n = 10;
	s.c = 'x';
	show("i++", i++);
	show("i", i);
	show("++i", ++i);
	show("i--", i--);
	show("--i", --i);
	show("g++", g++);
	show("++g", ++g);
	arr[2] = 7;
	show("arr++", arr[2]++);
	show("++arr", ++arr[2]);
	show("s.n++", s.n++);
	show("p->n++", p->n++);
	show("--p->n", --p->n);
	c++;
	show("c", c);
	++p->c;
	show("s.c", s.c);
	i = 0;
	while(i++ < 3) put_c('*');
	nl();
	show("i", i);
	return 0;
}
