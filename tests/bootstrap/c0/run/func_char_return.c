// A char result is cut to 8 bits; an int result is not.
#include "lib.h"
char low(int x) {
    return x;
}
int same(int x) {
    return x;
}
char* pick(char* a, char* b, int first) {
    if (first) return a;
    return b;
}
int main() {
    print_int(low(0x1234)); print_ln();
    print_int(low(-1)); print_ln();
    print_int(same(0x1234)); print_ln();
    print_int(low(65) + low(321)); print_ln();
    print(pick("first", "second", 1)); print_ln();
    print(pick("first", "second", 0)); print_ln();
    return 0;
}
