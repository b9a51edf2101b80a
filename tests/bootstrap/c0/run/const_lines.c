// "// CONSTANT NAME VALUE" lines, each beside the #define gcc uses.
#include "lib.h"
#define SIZE 8
// CONSTANT SIZE 8
#define NEG -42
// CONSTANT NEG -42
#define MASK 0xff00
// CONSTANT MASK 0xff00
#define ZERO 0
  // CONSTANT ZERO 0
#define BIG 2147483647
// CONSTANT BIG 2147483647
#define TAB 9
//	CONSTANT	TAB	9
int table[SIZE];
int g = NEG;
int h = -NEG;
char c = SIZE;
int main() {
    int local[SIZE];
    int i;
    for (i = 0; i < SIZE; i = i + 1) {
        table[i] = i;
        local[i] = SIZE - i;
    }
    print_kv("sum", table[SIZE - 1] + local[0]);
    print_kv("NEG", NEG);
    print_kv("g", g);
    print_kv("h", h);
    print_kv("c", c);
    print_kv("MASK", MASK);
    print_kv("MASK>>8", MASK >> 8);
    print_kv("ZERO", ZERO);
    print_kv("BIG", BIG);
    print_kv("TAB", TAB);
    print_kv("sizeof", sizeof(local));
    // CONSTANTS in an ordinary comment are not a definition
    // this CONSTANT neither: it does not start the comment
    return 0;
}
