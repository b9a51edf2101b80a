/* code written the M2-Planet way: NULL == x, require, match and in_set from bootstrappable.c */
#define TRUE 1
// CONSTANT TRUE 1
#define FALSE 0
// CONSTANT FALSE 0

struct Token
{
	struct Token* next;
	char* s;
};

struct Token* prepend(struct Token* head, char* s)
{
	struct Token* t = calloc(1, sizeof(struct Token));
	require(NULL != t, "out of memory\n");
	t->s = s;
	t->next = head;
	return t;
}

int main()
{
	struct Token* list = NULL;
	struct Token* i;
	int count = 0;
	list = prepend(list, "DEFINE");
	list = prepend(list, "mov");
	list = prepend(list, "DEFINE");
	for(i = list; NULL != i; i = i->next)
	{
		if(match("DEFINE", i->s)) count = count + 1;
	}
	show("defines", count);
	show("in_set", in_set('x', "abcxyz"));
	show("not_in", in_set('q', "abc"));
	show("strtoint", strtoint("0x1F") + strtoint("-12"));
	put_s(int2str(-255, 16, TRUE));
	nl();
	put_s(int2str(255, 2, FALSE));
	nl();
	return 0;
}
