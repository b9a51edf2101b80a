// Declarations wherever a statement may appear, with initializer
// expressions that call functions.
#include "lib.h"
int square(int v) {
    return v * v;
}
int main() {
    int a = 3;
    print_kv("a", a);
    int b = square(a) + 1;
    print_kv("b", b);
    char* s = "mid-block";
    print(s);
    print_ln();
    int arr[3];
    arr[0] = b;
    int c = arr[0] * 2;
    print_kv("c", c);
    int d = a = 9;
    print_kv("d", d);
    print_kv("a", a);
    return 0;
}
