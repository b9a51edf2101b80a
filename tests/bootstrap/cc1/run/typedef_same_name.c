/* typedef struct X X; and a typedef used before its struct is complete */
typedef struct list list;

struct list
{
	int v;
	list* next;
};

typedef union number number;

union number
{
	int i;
	char c;
};

int length(list* l)
{
	int n = 0;
	while(l)
	{
		n = n + 1;
		l = l->next;
	}
	return n;
}

int main()
{
	list a;
	list b;
	number num;
	a.next = &b;
	b.next = 0;
	num.i = 65;
	show("len", length(&a));
	show("num", num.c);
	return 0;
}
