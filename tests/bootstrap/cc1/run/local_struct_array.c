/* a local array of structs on the stack, passed down by pointer */
struct item
{
	char tag;
	int weight;
	long total;
};

long fill(struct item* items, int n)
{
	int i;
	long sum = 0;
	for(i = 0; i < n; i++)
	{
		items[i].tag = 'A' + i;
		items[i].weight = i * i;
		sum = sum + items[i].weight;
		items[i].total = sum;
	}
	return sum;
}

int main()
{
	struct item items[20];
	int guard = 1234;
	show("sum", fill(items, 20));
	show("tag", items[19].tag);
	show("total", items[10].total);
	show("guard", guard);
	return 0;
}
