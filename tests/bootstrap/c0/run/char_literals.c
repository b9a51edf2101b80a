// Character literals and escapes are ints.
#include "lib.h"
int main() {
    print_int('a'); print_ln();
    print_int('\n'); print_ln();
    print_int('\t'); print_ln();
    print_int('\r'); print_ln();
    print_int('\0'); print_ln();
    print_int('\\'); print_ln();
    print_int('\''); print_ln();
    print_int('\"'); print_ln();
    print_int('"'); print_ln();
    print_int('\x41'); print_ln();
    print_int('\x7f'); print_ln();
    print_int('\xA0'); print_ln();
    print_int(' '); print_ln();
    print_int('~'); print_ln();
    print_int(sizeof('a')); print_ln();
    return 0;
}
