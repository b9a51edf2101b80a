/* hex text to bytes and back, as hex0 and hex2 do */
int hexval(int c)
{
	if(c >= '0' && c <= '9') return c - '0';
	if(c >= 'a' && c <= 'f') return c - 'a' + 10;
	if(c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

int main()
{
	char* text = "7F454C46 01 01 01 00 ; ELF";
	char out[32];
	int n = 0;
	int hi = -1;
	int i;
	int v;
	char* digits = "0123456789ABCDEF";
	for(i = 0; text[i] != 0 && text[i] != ';'; i = i + 1)
	{
		v = hexval(text[i]);
		if(v < 0) continue;
		if(hi < 0) hi = v;
		else
		{
			out[n] = hi * 16 + v;
			n = n + 1;
			hi = -1;
		}
	}
	show("n", n);
	for(i = 0; i < n; i = i + 1)
	{
		put_c(digits[(out[i] >> 4) & 15]);
		put_c(digits[out[i] & 15]);
		put_c(' ');
	}
	nl();
	show("E", out[1]);
	show("sum", out[0] + out[1] + out[2] + out[3]);
	return 0;
}
