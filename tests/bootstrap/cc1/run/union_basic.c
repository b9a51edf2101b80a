/* unions overlay their members; anonymous unions inside structs */
union word
{
	int i;
	char b[4];
	unsigned u;
};

struct cell
{
	long type;
	union
	{
		struct cell* car;
		long car_value;
	};
	union
	{
		struct cell* cdr;
		long cdr_value;
		char* name;
	};
};

int main()
{
	union word w;
	struct cell c;
	struct cell d;
	w.i = 0x41424344;
	show("b0", w.b[0]);
	show("b3", w.b[3]);
	w.b[0] = 0x7F;
	show("i", w.i);
	show("size", sizeof(union word));
	c.type = 3;
	c.car = &d;
	c.cdr_value = 77;
	d.car_value = 5;
	show("overlay", c.car == c.car);
	show("via car", c.car->car_value);
	show("cdr", c.cdr_value);
	c.name = "name";
	put_s(c.name);
	nl();
	show("cellsize", sizeof(struct cell));
	show("off", (char*)&c.cdr - (char*)&c);
	return 0;
}
