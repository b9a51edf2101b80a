// The helpers of lib.c on edge values.
#include "lib.h"
int main() {
    print_int(0); print_ln();
    print_int(1); print_ln();
    print_int(-1); print_ln();
    print_int(2147483647); print_ln();
    print_int(-2147483647 - 1); print_ln();
    print_int(1000000); print_ln();
    print_hex(-1); print_ln();
    print_hex(305419896); print_ln();
    print_kv("answer", 42);
    return 0;
}
