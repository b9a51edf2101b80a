/* SCM is a built-in unsigned word, as sources written for M2-Planet expect */
typedef SCM word_t;

word_t mask(word_t x)
{
	return x & 0xFF;
}

int main()
{
	SCM a = 0;
	word_t b = 300;
	a = a - 1;
	show("a>0", a > 0);
	showu("b", mask(b));
	show("size", sizeof(SCM) == sizeof(char*));
	return 0;
}
