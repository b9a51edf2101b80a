/* a chained hash table of strings, as M1 and hex2 keep their labels */
struct entry
{
	struct entry* next;
	char* name;
	int value;
};

struct entry** table;

int hash(char* s)
{
	int h = 0;
	while(*s)
	{
		h = h * 31 + *s;
		s = s + 1;
	}
	if(h < 0) h = -h;
	return h % 64;
}

int same(char* a, char* b)
{
	while(*a && *a == *b)
	{
		a = a + 1;
		b = b + 1;
	}
	return *a == *b;
}

void store(char* name, int value)
{
	struct entry* e = calloc(1, sizeof(struct entry));
	int h = hash(name);
	e->name = name;
	e->value = value;
	e->next = table[h];
	table[h] = e;
}

int get(char* name)
{
	struct entry* e = table[hash(name)];
	while(e != 0)
	{
		if(same(e->name, name)) return e->value;
		e = e->next;
	}
	return -1;
}

int main()
{
	table = calloc(64, sizeof(struct entry*));
	store("alpha", 1);
	store("beta", 2);
	store("gamma", 3);
	store("alpha", 4);
	show("alpha", get("alpha"));
	show("beta", get("beta"));
	show("gamma", get("gamma"));
	show("delta", get("delta"));
	show("h", hash("FUNCTION_main"));
	return 0;
}
