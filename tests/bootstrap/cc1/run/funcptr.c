/* FUNCTION values, typedef'd function pointers, & on functions, calls through them */
typedef int (*binop)(int, int);

int add(int a, int b)
{
	return a + b;
}

int mul(int a, int b)
{
	return a * b;
}

int apply(FUNCTION f, int a, int b)
{
	return f(a, b);
}

struct op
{
	char* name;
	binop fn;
};

struct op ops[2];
FUNCTION gf = &mul;

int main()
{
	FUNCTION f = &add;
	binop g = mul;
	int i;
	show("f", f(2, 3));
	show("g", g(4, 5));
	show("apply", apply(&mul, 6, 7));
	show("apply2", apply(add, 6, 7));
	ops[0].name = "add";
	ops[0].fn = add;
	ops[1].name = "mul";
	ops[1].fn = &mul;
	for(i = 0; i < 2; i = i + 1)
	{
		put_s(ops[i].name);
		show("", ops[i].fn(10, i + 3));
	}
	show("gf", gf(3, 3));
	show("deref", (*g)(2, 2));
	show("same", f == &add);
	return 0;
}
