/* const, volatile, register, static, extern and inline are accepted and ignored */
extern int counter;
static int helper(int x);
const char* const greeting = "hi";
int counter = 4;

static int helper(register int x)
{
	volatile int y = x * 2;
	return y;
}

static inline int twice(const int v)
{
	return v + v;
}

int main()
{
	const int k = 3;
	char const* s = greeting;
	register int r = k + counter;
	put_s(s);
	nl();
	show("r", r);
	show("helper", helper(r));
	show("twice", twice(k));
	return 0;
}
