// error: 7: member access on an incomplete struct or union
struct later;
int f(struct later* p);
int main()
{
	struct later* p = 0;
	return p->x;
}
