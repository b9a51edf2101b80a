// Unions: members share storage; the size is the largest member's.
#include "lib.h"
union value {
    int i;
    char* s;
    char bytes[8];
};
struct tagged {
    int tag;
    union value v;
};
void show(struct tagged* t) {
    if (t->tag == 1) {
        print_int(t->v.i);
    } else {
        print(t->v.s);
    }
    print_ln();
}
int main() {
    struct tagged a;
    struct tagged b;
    union value u;
    a.tag = 1;
    a.v.i = 1234;
    b.tag = 2;
    b.v.s = "a string";
    show(&a);
    show(&b);
    u.i = 5;
    u.s = "over";
    print(u.s); print_ln();
    print_int(sizeof(union value)); print_ln();
    print_int(sizeof(struct tagged)); print_ln();
    print_int(&u.i == &u.i); print_ln();
    return 0;
}
