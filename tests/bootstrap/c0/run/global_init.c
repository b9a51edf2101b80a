// Global initializers: numbers, negatives, characters, strings, CONSTANTs;
// everything else starts as zero.
#include "lib.h"
#define START 100
// CONSTANT START 100
int a = 5;
int b = -7;
int c = 0x7fffffff;
int d = 'x';
int e = START;
int f = -START;
char ch = 'q';
char small = 200;
char* s = "global string";
char* empty = "";
char* none = 0;
int zero;
int zeros[100];
char czeros[33];
struct big {
    int a[10];
    char b[3];
    struct big* next;
};
struct big bz;
int* pz;
int main() {
    int i;
    int total = 0;
    print_kv("a", a); print_kv("b", b); print_kv("c", c); print_kv("d", d);
    print_kv("e", e); print_kv("f", f); print_kv("ch", ch); print_kv("small", small);
    print(s); print_ln();
    print_kv("empty", str_len(empty));
    print_kv("none", none == 0);
    for (i = 0; i < 100; i = i + 1) total = total + zeros[i];
    for (i = 0; i < 33; i = i + 1) total = total + czeros[i];
    for (i = 0; i < 10; i = i + 1) total = total + bz.a[i];
    total = total + bz.b[2] + zero + (bz.next != 0) + (pz != 0);
    print_kv("total", total);
    a = a + 1;
    s = "changed";
    print_kv("a", a);
    print(s); print_ln();
    return 0;
}
