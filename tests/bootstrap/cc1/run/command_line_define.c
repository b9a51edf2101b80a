// args: -D ANSWER=42 -D FLAG -D NEG=-9 -D HEXV=0x10
/* -D NAME=VALUE and -D NAME define constants */
int main()
{
	show("answer", ANSWER);
	show("flag", FLAG);
	show("neg", NEG);
	show("hex", HEXV);
	return 0;
}
