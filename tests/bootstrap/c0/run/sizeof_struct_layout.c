// Member offsets follow i386's alignment rules (as gcc -m32), seen
// through pointer differences.
#include "lib.h"
struct a {
    char c1;
    int i;
    char c2;
    char c3;
    int* p;
    char tail[3];
};
union u {
    char c;
    struct a s;
    int arr[5];
};
int main() {
    struct a v;
    union u w;
    char* base = &v.c1;
    print_kv("c2", &v.c2 - base);
    print_kv("c3", &v.c3 - base);
    print_kv("tail", &v.tail[0] - base);
    print_kv("size", sizeof(struct a));
    print_kv("union", sizeof(union u));
    print_kv("union members", &w.c == &w.s.c1);
    return 0;
}
