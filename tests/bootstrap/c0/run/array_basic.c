// Arrays: globals, locals, members; of ints, chars, pointers, structs.
#include "lib.h"
struct item {
    int id;
    char tag;
};
int g[5];
char* names[3];
struct item items[4];
int sum(int* a, int n) {
    int s = 0;
    int i;
    for (i = 0; i < n; i = i + 1) {
        s = s + a[i];
    }
    return s;
}
int main() {
    int local[8];
    int i;
    for (i = 0; i < 8; i = i + 1) {
        local[i] = i * i;
    }
    for (i = 0; i < 5; i = i + 1) {
        g[i] = local[i] + 1;
    }
    names[0] = "zero"; names[1] = "one"; names[2] = "two";
    for (i = 0; i < 4; i = i + 1) {
        items[i].id = 100 + i;
        items[i].tag = 'a' + i;
    }
    print_int(sum(local, 8)); print_ln();
    print_int(sum(g, 5)); print_ln();
    print(names[2]); print_ln();
    print_int(names[1][2]); print_ln();
    print_int(items[3].id); print(" "); print_int(items[2].tag); print_ln();
    print_int(sizeof(local)); print_ln();
    print_int(sizeof(names)); print_ln();
    print_int(sizeof(items)); print_ln();
    print_int(sizeof(local[0])); print_ln();
    print_int(*local + *(local + 7)); print_ln();
    return 0;
}
