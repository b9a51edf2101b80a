/* 32-bit int wraps (gcc is run with -fwrapv for the comparison) */
int main()
{
	int big = 2147483647;
	int small = -2147483647 - 1;
	int h = 0;
	int i;
	char* s = "the quick brown fox";
	show("big+1", big + 1);
	show("small-1", small - 1);
	show("big*2", big * 2);
	show("mul", 123456789 * 987);
	show("neg_small", -small);
	for(i = 0; s[i] != 0; i = i + 1) h = h * 31 + s[i];
	show("hash", h);
	show("small/-1mod", small % 7);
	return 0;
}
