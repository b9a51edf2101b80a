/* typedefs of integers, structs, pointers and of other typedefs */
typedef int number;
typedef unsigned long word;
typedef struct node node_t;
typedef node_t* link;
typedef char* string;

struct node
{
	number value;
	link next;
};

typedef struct
{
	string first;
	string last;
} name_t;

number sum(link l)
{
	number s = 0;
	while(l)
	{
		s = s + l->value;
		l = l->next;
	}
	return s;
}

int main()
{
	node_t a;
	node_t b;
	name_t n;
	word w = 7;
	a.value = 3;
	a.next = &b;
	b.value = 4;
	b.next = 0;
	show("sum", sum(&a));
	n.first = "Ada";
	n.last = "Lovelace";
	put_s(n.first);
	put_s(n.last);
	nl();
	showu("w", w * sizeof(word));
	show("size", sizeof(name_t) == 2 * sizeof(string));
	return 0;
}
