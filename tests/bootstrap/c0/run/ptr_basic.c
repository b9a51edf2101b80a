// Address-of, dereference, pointers to pointers.
#include "lib.h"
int g;
void set(int* p, int v) {
    *p = v;
}
void set_via(int** pp, int v) {
    **pp = v;
}
int main() {
    int x = 1;
    int* p = &x;
    int** pp = &p;
    *p = 5;
    print_int(x); print_ln();
    **pp = 6;
    print_int(x); print_ln();
    set(&x, 7);
    print_int(x); print_ln();
    set(&g, 8);
    print_int(g); print_ln();
    p = &g;
    set_via(&p, 9);
    print_int(g); print_ln();
    print_int(*&x); print_ln();
    print_int(&x == p); print_ln();
    print_int(&g == p); print_ln();
    print_int(*p + *&g); print_ln();
    print_int(p != 0); print_ln();
    p = 0;
    print_int(p == 0); print_ln();
    print_int(!p); print_ln();
    return 0;
}
