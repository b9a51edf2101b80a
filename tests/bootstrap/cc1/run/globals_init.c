/* global initializers: numbers, negatives, characters, strings, constant expressions, addresses */
int a = 42;
int b = -7;
int c = 'x';
int d = (1 << 10) + 3 * 4 - 1;
int e = 0x7FFFFFFF;
unsigned f = 0xDEADBEEF;
long g = -1;
char h = 'Q';
char* s = "global string";
char buf[16] = "abc";
char whole[] = "sized by its string";
int* pa = &a;
int zero;
char* none;
int arr[3];

int main()
{
	show("a", a);
	show("b", b);
	show("c", c);
	show("d", d);
	show("e", e);
	showu("f", f);
	show("g", g);
	show("h", h);
	put_s(s);
	nl();
	put_s(buf);
	show("buf3", buf[3]);
	show("buflen", sizeof(buf));
	put_s(whole);
	show("wholelen", sizeof(whole));
	show("*pa", *pa);
	*pa = 43;
	show("a", a);
	show("zero", zero);
	show("none", none == 0);
	show("arr", arr[0] + arr[1] + arr[2]);
	return 0;
}
