/* M2-Planet's pointer arithmetic: + and - move by bytes, p[i] scales (cc1 only) */
struct cell
{
	int a;
	int b;
	int c;
};

int main()
{
	int words[4];
	struct cell cells[3];
	struct cell* p = cells;
	int* w = words;
	char** argv_like;
	char* strs[3];
	words[0] = 10;
	words[1] = 11;
	cells[1].a = 7;
	w = w + sizeof(int);
	show("w", *w);
	p = p + sizeof(struct cell);
	show("p", p->a);
	show("diff", p - cells);
	show("index", cells[1].a);
	strs[0] = "zero";
	strs[1] = "one";
	argv_like = strs;
	argv_like = argv_like + sizeof(char*);
	put_s(argv_like[0]);
	nl();
	w = words;
	w++;
	show("byte step", (char*)w - (char*)words);
	return 0;
}
