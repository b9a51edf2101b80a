/* pointers to locals and globals, pointers to pointers, char pointer arithmetic */
int g = 10;

void set(int* p, int v)
{
	*p = v;
}

void swap(char** a, char** b)
{
	char* t = *a;
	*a = *b;
	*b = t;
}

int main()
{
	int x = 1;
	int* px = &x;
	int** ppx = &px;
	char* s = "abcdef";
	char* t = "xyz";
	char* e;
	set(&x, 5);
	show("x", x);
	**ppx = 6;
	show("x", *px);
	set(&g, 20);
	show("g", g);
	px = &g;
	*px = *px + 1;
	show("g", g);
	swap(&s, &t);
	put_s(s);
	put_s(t);
	nl();
	e = t;
	while(*e != 0) e = e + 1;
	show("len", e - t);
	show("third", *(t + 2));
	show("cmp", t < e);
	show("null", px != 0);
	px = 0;
	show("null2", !px);
	return 0;
}
