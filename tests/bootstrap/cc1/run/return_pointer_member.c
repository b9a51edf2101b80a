/* members of a returned pointer, calls in indexes, calls as arguments */
struct node
{
	int v;
	struct node* next;
};

struct node nodes[3];

struct node* get(int i)
{
	return &nodes[i];
}

int idx(int i)
{
	return i % 3;
}

int main()
{
	nodes[0].v = 10;
	nodes[1].v = 20;
	nodes[2].v = 30;
	nodes[0].next = &nodes[2];
	show("get", get(1)->v);
	show("chain", get(0)->next->v);
	show("index", nodes[idx(5)].v);
	get(2)->v = 33;
	show("set", nodes[2].v);
	show("nested", get(idx(get(0)->v))->v);
	return 0;
}
