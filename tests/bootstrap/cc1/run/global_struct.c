/* global structs and arrays of them start zeroed and keep their values across calls */
struct state
{
	int count;
	char* names[4];
	struct state* self;
};

struct state st;
struct state many[3];

void add(char* n)
{
	st.names[st.count] = n;
	st.count = st.count + 1;
}

int main()
{
	show("count0", st.count);
	show("null", st.names[2] == 0);
	add("x");
	add("y");
	show("count", st.count);
	put_s(st.names[1]);
	nl();
	st.self = &st;
	show("self", st.self->self->count);
	many[2].count = 5;
	show("many", many[0].count + many[1].count + many[2].count);
	return 0;
}
