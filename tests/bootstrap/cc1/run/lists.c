/* a linked list built with calloc, reversed, sorted and freed */
struct item
{
	int value;
	struct item* next;
};

struct item* push(struct item* head, int v)
{
	struct item* n = calloc(1, sizeof(struct item));
	n->value = v;
	n->next = head;
	return n;
}

struct item* reverse(struct item* l)
{
	struct item* r = 0;
	struct item* next;
	while(l != 0)
	{
		next = l->next;
		l->next = r;
		r = l;
		l = next;
	}
	return r;
}

struct item* insert_sorted(struct item* l, struct item* n)
{
	if(l == 0 || n->value < l->value)
	{
		n->next = l;
		return n;
	}
	l->next = insert_sorted(l->next, n);
	return l;
}

void print(struct item* l)
{
	while(l)
	{
		put_i(l->value);
		put_c(' ');
		l = l->next;
	}
	nl();
}

int main()
{
	struct item* l = 0;
	struct item* s = 0;
	struct item* next;
	int i;
	for(i = 0; i < 10; i = i + 1) l = push(l, (i * 7) % 11);
	print(l);
	l = reverse(l);
	print(l);
	while(l)
	{
		next = l->next;
		s = insert_sorted(s, l);
		l = next;
	}
	print(s);
	return 0;
}
