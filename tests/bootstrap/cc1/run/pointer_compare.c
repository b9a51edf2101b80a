/* comparing pointers: equality, order within an array, null */
int main()
{
	int a[5];
	int* p = &a[1];
	int* q = &a[3];
	int* n = 0;
	char* s = "text";
	show("p<q", p < q);
	show("p>q", p > q);
	show("p==p", p == &a[1]);
	show("p!=q", p != q);
	show("null", n == 0);
	show("!null", !n);
	show("!p", !p);
	show("cond", p ? 1 : 2);
	show("and", p && q);
	show("str", s != 0 && s[0] == 't');
	return 0;
}
