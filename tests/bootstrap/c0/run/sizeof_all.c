// sizeof of types and of expressions (which are not evaluated).
#include "lib.h"
struct s1 { char c; };
struct s2 { char c; int i; };
struct s3 { int i; char c; };
struct s4 { char a; char b; char c; };
struct s5 { char c; struct s2 inner; char d[5]; };
union u1 { char c; int i; char d[7]; };
int counter;
int bump() {
    counter = counter + 1;
    return counter;
}
int main() {
    int i;
    char c;
    int* p;
    char arr[13];
    int iarr[6];
    struct s5 v;
    print_int(sizeof(int)); print(" ");
    print_int(sizeof(char)); print(" ");
    print_int(sizeof(int*)); print(" ");
    print_int(sizeof(char**)); print(" ");
    print_int(sizeof(struct s1)); print(" ");
    print_int(sizeof(struct s2)); print(" ");
    print_int(sizeof(struct s3)); print(" ");
    print_int(sizeof(struct s4)); print(" ");
    print_int(sizeof(struct s5)); print(" ");
    print_int(sizeof(union u1)); print(" ");
    print_int(sizeof(struct s5*)); print_ln();
    print_int(sizeof(i)); print(" ");
    print_int(sizeof(c)); print(" ");
    print_int(sizeof(c + 1)); print(" ");
    print_int(sizeof(p)); print(" ");
    print_int(sizeof(*p)); print(" ");
    print_int(sizeof(arr)); print(" ");
    print_int(sizeof(iarr)); print(" ");
    print_int(sizeof(iarr[2])); print(" ");
    print_int(sizeof(v)); print(" ");
    print_int(sizeof(v.d)); print(" ");
    print_int(sizeof(v.inner)); print(" ");
    print_int(sizeof(&v)); print(" ");
    print_int(sizeof(arr) / sizeof(arr[0])); print(" ");
    print_int(sizeof(iarr) / sizeof(iarr[0])); print_ln();
    print_int(sizeof(bump())); print(" ");
    print_int(sizeof(counter = 5)); print(" ");
    print_kv("counter", counter);
    return 0;
}
