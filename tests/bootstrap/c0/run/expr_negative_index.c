// Negative indexes and pointer differences that are negative.
#include "lib.h"
int main() {
    int a[10];
    int* mid = &a[5];
    int i;
    for (i = 0; i < 10; i = i + 1) a[i] = i * 3;
    print_kv("mid[-2]", mid[-2]);
    print_kv("mid[-5]", mid[-5]);
    print_kv("*(mid-1)", *(mid - 1));
    print_kv("a-mid", a - mid);
    print_kv("&a[2]-mid", &a[2] - mid);
    print_kv("(mid-3)[1]", (mid - 3)[1]);
    return 0;
}
