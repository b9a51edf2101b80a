/* structs inside unions inside structs */
struct pair
{
	int a;
	int b;
};

union value
{
	struct pair p;
	long l;
	char bytes[8];
};

struct box
{
	char tag;
	union value v;
	struct pair extra[2];
};

int main()
{
	struct box b;
	struct box* pb = &b;
	b.tag = 'p';
	b.v.p.a = 3;
	b.v.p.b = 4;
	pb->extra[1].b = 9;
	show("a", pb->v.p.a);
	show("b", b.v.p.b);
	show("byte", b.v.bytes[0]);
	show("extra", b.extra[1].b);
	show("size", sizeof(struct box) >= 2 + 8 + 16);
	b.v.l = 0;
	show("cleared", b.v.p.a);
	return 0;
}
