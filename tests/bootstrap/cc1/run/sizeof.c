/* sizeof of types, expressions, arrays, structs and unions (x86 and amd64 differ) */
struct small
{
	char a;
	int b;
	char c;
};

struct words
{
	char* p;
	char tag;
};

union mix
{
	char c[5];
	int i;
	long l;
};

int garr[10];

int main()
{
	char buf[33];
	struct small s;
	struct small* sp = &s;
	show("char", sizeof(char));
	show("int", sizeof(int));
	show("long", sizeof(long));
	show("unsigned", sizeof(unsigned));
	show("ptr", sizeof(char*));
	show("pptr", sizeof(int**));
	show("small", sizeof(struct small));
	show("words", sizeof(struct words));
	show("mix", sizeof(union mix));
	show("garr", sizeof(garr));
	show("garr0", sizeof(garr[0]));
	show("buf", sizeof(buf));
	show("s", sizeof(s));
	show("*sp", sizeof(*sp));
	show("sp->b", sizeof(sp->b));
	show("expr", sizeof(1 + 2));
	show("noparen", sizeof s);
	show("str", sizeof("abc"));
	show("arr of struct", sizeof(struct small[3]));
	return 0;
}
