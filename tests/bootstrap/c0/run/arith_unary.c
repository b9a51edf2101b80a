// Unary -, !, ~ and their combinations.
#include "lib.h"
int main() {
    int x = 5;
    int m = -2147483647 - 1;
    print_int(-x); print_ln();
    print_int(- -x); print_ln();
    print_int(-m); print_ln();
    print_int(!x); print_ln();
    print_int(!0); print_ln();
    print_int(!!x); print_ln();
    print_int(~x); print_ln();
    print_int(~~x); print_ln();
    print_int(-~x); print_ln();
    print_int(~-x); print_ln();
    print_int(!-x); print_ln();
    print_int(-!x); print_ln();
    print_int(- - - -x); print_ln();
    return 0;
}
