// C precedence and associativity of the binary operators.
#include "lib.h"
int main() {
    int a = 7;
    int b = 3;
    int c = 2;
    print_int(a + b * c); print_ln();
    print_int((a + b) * c); print_ln();
    print_int(a - b - c); print_ln();
    print_int(a - (b - c)); print_ln();
    print_int(a / b / c); print_ln();
    print_int(100 / 10 % 7); print_ln();
    print_int(a << b + c); print_ln();
    print_int(a + b << c); print_ln();
    print_int(a < b == c > b); print_ln();
    print_int(a & b | c); print_ln();
    print_int(a | b & c); print_ln();
    print_int(a ^ b | c ^ a); print_ln();
    print_int(a & b ^ c); print_ln();
    print_int(a == 7 && b == 3 || c == 9); print_ln();
    print_int(a == 1 || b == 3 && c == 9); print_ln();
    print_int(1 + 2 * 3 - 4 / 2 % 3 << 1 >> 1 & 255 | 256 ^ 3); print_ln();
    print_int(-a * -b); print_ln();
    print_int(a * -b + c); print_ln();
    print_int(!a + !b * 5); print_ln();
    print_int(a > b > c); print_ln();
    print_int(-8 >> 1); print_ln();
    print_int(-7 / 2); print_ln();
    print_int(-7 % 2); print_ln();
    print_int(7 % -2); print_ln();
    return 0;
}
