/* a small tokenizer over a string: words, numbers and symbols */
int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

int main()
{
	char* s = "DEFINE mov_eax, B8 ; load 42 into eax\n:label %-12 !0x7F";
	int i = 0;
	int start;
	int words = 0;
	int numbers = 0;
	int others = 0;
	while(s[i] != 0)
	{
		if(s[i] == ' ' || s[i] == '\n')
		{
			i = i + 1;
			continue;
		}
		start = i;
		if(is_alpha(s[i]))
		{
			while(is_alpha(s[i]) || is_digit(s[i])) i = i + 1;
			words = words + 1;
		}
		else if(is_digit(s[i]))
		{
			while(is_digit(s[i]) || is_alpha(s[i])) i = i + 1;
			numbers = numbers + 1;
		}
		else
		{
			i = i + 1;
			others = others + 1;
		}
		put_c('[');
		while(start < i)
		{
			put_c(s[start]);
			start = start + 1;
		}
		put_c(']');
	}
	nl();
	show("words", words);
	show("numbers", numbers);
	show("others", others);
	return 0;
}
