// CRLF line ends, tabs and form feeds are blanks.
#include "lib.h"
int main() {
	int x = 5;
	int y	=	x * 2;
	print_kv("crlf", x + y);
	return 0;
}
