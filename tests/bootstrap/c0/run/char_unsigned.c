// char is 8-bit unsigned: loads zero-extend, stores keep the low byte.
#include "lib.h"
char g;
char cut(int x) {
    return x;
}
int widen(char c) {
    return c;
}
int main() {
    char c;
    char buf[4];
    c = 200;
    print_int(c); print_ln();
    c = 300;
    print_int(c); print_ln();
    c = -1;
    print_int(c); print_ln();
    print_int(c + 1); print_ln();
    g = 255;
    print_int(g * 2); print_ln();
    print_int(cut(513)); print_ln();
    print_int(cut(-2)); print_ln();
    print_int(widen(1000)); print_ln();
    buf[0] = 'A'; buf[1] = 256 + 'B'; buf[2] = 0; buf[3] = 0;
    print(buf); print_ln();
    print_int((c = 258) + 1); print_ln();
    print_int('a' < 'b'); print_ln();
    print_int('z' - 'a'); print_ln();
    print_int('\xff'); print_ln();
    return 0;
}
