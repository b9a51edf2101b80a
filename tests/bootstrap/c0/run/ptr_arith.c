// Pointer arithmetic is scaled by the pointee's size.
#include "lib.h"
struct pair {
    int a;
    char b;
};
int ints[10];
char chars[10];
struct pair pairs[5];
int main() {
    int* p = ints;
    char* c = chars;
    struct pair* s = pairs;
    int i;
    for (i = 0; i < 10; i = i + 1) {
        ints[i] = i * 100;
        chars[i] = 'a' + i;
    }
    for (i = 0; i < 5; i = i + 1) {
        pairs[i].a = i * 11;
        pairs[i].b = 'A' + i;
    }
    print_int(*(p + 3)); print_ln();
    print_int(*(3 + p)); print_ln();
    print_int(*(c + 3)); print_ln();
    print_int((s + 2)->a); print_ln();
    print_int((s + 4)->b); print_ln();
    print_int((p + 7) - p); print_ln();
    print_int(p - (p + 7)); print_ln();
    print_int((c + 9) - c); print_ln();
    print_int((s + 3) - s); print_ln();
    print_int(&ints[6] - &ints[2]); print_ln();
    print_int(&pairs[4] - &pairs[1]); print_ln();
    p = p + 9;
    print_int(*p); print_ln();
    p = p - 4;
    print_int(*p); print_ln();
    print_int(p[2]); print_ln();
    print_int(p[-1]); print_ln();
    print_int(p < p + 1); print_ln();
    print_int(p + 1 > p); print_ln();
    print_int(p <= p); print_ln();
    print_int(p >= p + 1); print_ln();
    print_int(&ints[9] > &ints[0]); print_ln();
    print_int(sizeof(*s)); print_ln();
    return 0;
}
