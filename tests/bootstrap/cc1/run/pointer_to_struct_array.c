/* arrays of structs walked by index, and pointers to members */
struct rec
{
	char name[12];
	int score;
	struct rec* best;
};

struct rec recs[4];

void copy(char* d, char* s)
{
	while(*s)
	{
		*d = *s;
		d = d + 1;
		s = s + 1;
	}
	*d = 0;
}

int main()
{
	int i;
	int* ps;
	struct rec* top = &recs[0];
	copy(recs[0].name, "ann");
	copy(recs[1].name, "bob");
	copy(recs[2].name, "cyd");
	copy(recs[3].name, "dee");
	for(i = 0; i < 4; i = i + 1) recs[i].score = (i * 37) % 11;
	for(i = 1; i < 4; i = i + 1) if(recs[i].score > top->score) top = &recs[i];
	put_s(top->name);
	nl();
	ps = &recs[2].score;
	*ps = 99;
	show("score", recs[2].score);
	recs[1].best = top;
	put_s(recs[1].best->name);
	nl();
	show("char", recs[3].name[1]);
	return 0;
}
