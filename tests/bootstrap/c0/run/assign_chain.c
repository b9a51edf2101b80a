// = is right-associative and yields the stored value.
#include "lib.h"
int main() {
    int a;
    int b;
    int c;
    char ch;
    int arr[3];
    a = b = c = 7;
    print_int(a + b + c); print_ln();
    a = (b = 3) + (c = 4);
    print_int(a); print_ln();
    a = ch = 511;
    print_int(a); print_ln();
    arr[0] = arr[1] = arr[2] = -1;
    print_int(arr[0] + arr[1] + arr[2]); print_ln();
    print_int((a = 5) * 2); print_ln();
    return 0;
}
