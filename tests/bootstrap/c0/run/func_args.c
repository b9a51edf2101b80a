// Many arguments, evaluated and received in order; char and pointer
// parameters; void functions; calls as arguments.
#include "lib.h"
int eight(int a, int b, int c, int d, int e, int f, int g, int h) {
    return a * 10000000 + b * 1000000 + c * 100000 + d * 10000 + e * 1000 + f * 100 + g * 10 + h;
}
int mix(char c, int i, char* s, char d) {
    return c + i + s[0] + d;
}
void nothing() {
}
void early(int x) {
    if (x) return;
    print("not early\n");
}
int twice(int x) {
    return 2 * x;
}
int none(void) {
    return 9;
}
int main() {
    print_int(eight(1, 2, 3, 4, 5, 6, 7, 8)); print_ln();
    print_int(eight(8, 7, 6, 5, 4, 3, 2, 1)); print_ln();
    print_int(mix(1, 2, "\x03", 260)); print_ln();
    nothing();
    early(1);
    early(0);
    print_int(twice(twice(twice(5)))); print_ln();
    print_int(twice(3) + twice(4) * twice(5)); print_ln();
    print_int(eight(twice(1), twice(2), 0, 0, 0, 0, none(), 1)); print_ln();
    return 0;
}
