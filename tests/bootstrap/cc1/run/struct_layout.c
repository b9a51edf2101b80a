/* member offsets follow natural alignment */
struct s1
{
	char a;
	int b;
	char c;
	char d;
	long e;
	char f;
};

struct s2
{
	char x[3];
	struct s1 inner;
	char* p;
};

int main()
{
	struct s1 v;
	struct s2 w;
	char* base = (char*)&v;
	show("a", (char*)&v.a - base);
	show("b", (char*)&v.b - base);
	show("c", (char*)&v.c - base);
	show("d", (char*)&v.d - base);
	show("e", (char*)&v.e - base);
	show("f", (char*)&v.f - base);
	show("size", sizeof(struct s1));
	base = (char*)&w;
	show("inner", (char*)&w.inner - base);
	show("p", (char*)&w.p - base);
	show("size2", sizeof(struct s2));
	return 0;
}
