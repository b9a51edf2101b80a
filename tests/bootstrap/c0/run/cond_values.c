// Conditions on every scalar kind: ints, chars, pointers; results of
// comparisons and logic used as values.
#include "lib.h"
int main() {
    char c = 0;
    char d = 200;
    int* p = 0;
    int x = -5;
    int n = 0;
    if (c) n = n + 1;
    if (d) n = n + 10;
    if (p) n = n + 100;
    if (&x) n = n + 1000;
    if (x) n = n + 10000;
    if (!p && d) n = n + 100000;
    while (d) d = d / 2;
    print_kv("n", n);
    print_kv("d", d);
    print_kv("sum", (x < 0) + (x > 0) * 2 + (x == -5) * 4 + (p == 0) * 8 + (c != 0) * 16);
    print_kv("logic", (1 && 2) + (0 || 3) * 2 + !(-1) * 4);
    for (p = &x; p; p = 0) print_kv("once", *p);
    return 0;
}
