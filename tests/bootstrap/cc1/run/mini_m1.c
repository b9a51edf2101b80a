/* a miniature M1: DEFINE NAME VALUE lines, then every token replaced */
struct macro
{
	char* name;
	char* value;
	struct macro* next;
};

struct macro* macros;

int same(char* a, char* b)
{
	while(*a && *a == *b)
	{
		a++;
		b++;
	}
	return *a == *b;
}

char* word(char** pp)
{
	char* p = *pp;
	char* start;
	char* w;
	int n;
	int i;
	while(*p == ' ' || *p == '\n') p++;
	if(*p == 0) return 0;
	start = p;
	while(*p && *p != ' ' && *p != '\n') p++;
	n = p - start;
	w = calloc(n + 1, 1);
	for(i = 0; i < n; i++) w[i] = start[i];
	*pp = p;
	return w;
}

int main()
{
	char* text = "DEFINE ret C3\nDEFINE push_eax 50\nDEFINE nop 90\npush_eax nop ret :label push_eax";
	char* p = text;
	char* w;
	struct macro* m;
	while((w = word(&p)) != 0)
	{
		if(same(w, "DEFINE"))
		{
			m = calloc(1, sizeof(struct macro));
			m->name = word(&p);
			m->value = word(&p);
			m->next = macros;
			macros = m;
			continue;
		}
		for(m = macros; m != 0; m = m->next) if(same(m->name, w)) break;
		if(m != 0) put_s(m->value);
		else put_s(w);
		put_c(' ');
	}
	nl();
	return 0;
}
