/* char is signed; unsigned char is not; chars promote to int */
char gc = -5;
unsigned char guc = 250;

int main()
{
	char c = 200;
	unsigned char uc = 200;
	char s[4];
	int i;
	show("c", c);
	show("uc", uc);
	show("c+1", c + 1);
	show("uc+1", uc + 1);
	show("gc", gc);
	show("guc", guc);
	guc = guc + 10;
	show("guc wrap", guc);
	s[0] = 'A';
	s[1] = 'z' + 1;
	s[2] = 255;
	s[3] = 0;
	for(i = 0; i < 4; i = i + 1) show("s", s[i]);
	show("cmp", c < 0);
	show("ucmp", uc > 127);
	show("lit", '\xff');
	show("esc", '\n' + '\t' + '\\' + '\'' + '\0');
	show("oct", '\101');
	return 0;
}
