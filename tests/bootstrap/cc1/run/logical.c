/* && and || short-circuit, ! and the 0/1 results */
int count;

int bump(int v)
{
	count = count + 1;
	return v;
}

int main()
{
	show("and11", bump(1) && bump(2));
	show("and01", bump(0) && bump(2));
	show("count", count);
	show("or10", bump(7) || bump(0));
	show("or00", bump(0) || bump(0));
	show("count", count);
	show("not0", !0);
	show("not5", !5);
	show("notnot", !!42);
	show("mix", 0 || 3 && 4);
	show("mix2", (0 || 0) && 1);
	if(0 && bump(1)) put_s("no\n");
	if(1 || bump(1)) put_s("yes\n");
	show("count", count);
	return 0;
}
