/* struct members through . and ->, nested structs, arrays in structs */
struct point
{
	int x;
	int y;
};

struct rect
{
	struct point a;
	struct point b;
	char name[8];
	struct rect* next;
};

int area(struct rect* r)
{
	return (r->b.x - r->a.x) * (r->b.y - r->a.y);
}

struct rect grect;

int main()
{
	struct rect r;
	struct rect* p = &r;
	r.a.x = 1;
	r.a.y = 2;
	p->b.x = 11;
	p->b.y = 7;
	r.name[0] = 'b';
	r.name[1] = 'o';
	r.name[2] = 'x';
	r.name[3] = 0;
	r.next = &grect;
	r.next->a.x = 5;
	grect.b.x = 9;
	grect.b.y = 3;
	show("area", area(p));
	show("garea", area(r.next));
	put_s(p->name);
	nl();
	show("nested", p->next->b.x);
	show("addr", &r.a == &p->a);
	show("member order", (char*)&r.b - (char*)&r);
	return 0;
}
