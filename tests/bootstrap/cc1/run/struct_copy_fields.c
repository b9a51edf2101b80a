/* copying structs member by member and through memcpy */
struct v3
{
	int x;
	int y;
	int z;
};

void copy(struct v3* d, struct v3* s)
{
	d->x = s->x;
	d->y = s->y;
	d->z = s->z;
}

int main()
{
	struct v3 a;
	struct v3 b;
	struct v3 c;
	a.x = 1;
	a.y = 2;
	a.z = 3;
	copy(&b, &a);
	memcpy(&c, &b, sizeof(struct v3));
	a.x = 100;
	show("b", b.x + b.y + b.z);
	show("c", c.x * 100 + c.y * 10 + c.z);
	show("eq", b.x == c.x && b.y == c.y && b.z == c.z);
	return 0;
}
