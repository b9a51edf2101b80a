/* if / else chains and dangling else */
char* classify(int n)
{
	if(n < 0) return "negative";
	else if(n == 0) return "zero";
	else if(n < 10) return "small";
	else return "large";
}

int main()
{
	int i;
	int x = 0;
	for(i = -1; i < 12; i = i + 5)
	{
		put_s(classify(i));
		nl();
	}
	if(x) if(1) put_s("a"); else put_s("b");
	if(!x) if(0) put_s("c"); else put_s("d");
	nl();
	if(x == 0) {
	}
	else {
		put_s("never");
	}
	if(1) ; else put_s("never");
	put_s("end\n");
	return 0;
}
