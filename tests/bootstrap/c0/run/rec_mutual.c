// Mutual recursion; a function defined after its first call, without a
// prototype, and one with a prototype.
#include "lib.h"
int is_odd(int n);
int is_even(int n) {
    if (n == 0) return 1;
    return is_odd(n - 1);
}
int is_odd(int n) {
    if (n == 0) return 0;
    return is_even(n - 1);
}
int main() {
    int i;
    for (i = 0; i < 10; i = i + 1) {
        print_int(is_even(i));
        print_int(is_odd(i));
        print(" ");
    }
    print_ln();
    print_kv("later", defined_later(6));
    return 0;
}
int defined_later(int x) {
    return x * 7;
}
