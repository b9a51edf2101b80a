/* a tiny stack machine interpreter with a switch dispatch */
int stack[64];
int sp;

void push(int v)
{
	stack[sp] = v;
	sp = sp + 1;
}

int pop()
{
	sp = sp - 1;
	return stack[sp];
}

int run(char* code)
{
	int a;
	int b;
	while(*code)
	{
		switch(*code)
		{
		case '+': b = pop(); a = pop(); push(a + b); break;
		case '-': b = pop(); a = pop(); push(a - b); break;
		case '*': b = pop(); a = pop(); push(a * b); break;
		case 'd': a = pop(); push(a); push(a); break;
		case 's': b = pop(); a = pop(); push(b); push(a); break;
		case ' ': break;
		default:
			if(*code >= '0' && *code <= '9') push(*code - '0');
		}
		code = code + 1;
	}
	return pop();
}

int main()
{
	show("r1", run("3 4 + 5 *"));
	show("r2", run("9 d * 1 -"));
	show("r3", run("2 7 s -"));
	return 0;
}
