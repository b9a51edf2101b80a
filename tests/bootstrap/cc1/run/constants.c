/* #define and // CONSTANT name integer constants, used in code, sizes and cases */
#define SIZE 8
// CONSTANT SIZE 8
#define NEG -3
// CONSTANT NEG -3
#define HEX 0x1F
#define OCTAL 0755
#define PAREN (12)
#define CHAR 'z'
// CONSTANT ONLY_CONSTANT 99
#define ONLY_CONSTANT 99

int table[SIZE];

int main()
{
	int i;
	for(i = 0; i < SIZE; i = i + 1) table[i] = i * NEG;
	show("t7", table[SIZE - 1]);
	show("hex", HEX);
	show("octal", OCTAL);
	show("paren", PAREN * 2);
	show("char", CHAR);
	show("only", ONLY_CONSTANT);
	switch(3 + NEG)
	{
	case 0: put_s("zero\n"); break;
	case SIZE: put_s("size\n"); break;
	}
	show("size", sizeof(table) / SIZE);
	return 0;
}
