/* locals in nested blocks, shadowing, and slots reused by sibling blocks */
int x = 1;

int main()
{
	int x = 2;
	int total = 0;
	show("outer", x);
	{
		int x = 3;
		show("inner", x);
		{
			int y = x * 10;
			show("y", y);
		}
	}
	{
		int a = 100;
		int b = 200;
		total = a + b;
	}
	{
		int c;
		int d;
		c = 5;
		d = 6;
		total = total + c * d;
	}
	show("x", x);
	show("total", total);
	if(x)
	{
		char buf[40];
		buf[0] = 'o';
		buf[1] = 'k';
		buf[2] = 0;
		put_s(buf);
		nl();
	}
	return 0;
}
