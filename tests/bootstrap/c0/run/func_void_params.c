// (void) parameter lists, empty ones, and prototypes without names.
#include "lib.h"
int zero(void);
int two(int, int);
int none();
int zero(void) {
    return 0;
}
int two(int a, int b) {
    return a * 10 + b;
}
int none() {
    return 7;
}
int main(void) {
    print_kv("zero", zero());
    print_kv("two", two(4, 2));
    print_kv("none", none());
    return 0;
}
