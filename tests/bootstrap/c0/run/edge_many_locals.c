// Many locals and parameters in one function.
#include "lib.h"
int spread(int a, int b, int c, int d, int e, int f, int g, int h, int i, int j, int k, int l) {
    int v1 = a + l;
    int v2 = b + k;
    int v3 = c + j;
    int v4 = d + i;
    int v5 = e + h;
    int v6 = f + g;
    char c1 = 'a';
    char c2 = 'b';
    int v7 = v1 * v2 - v3;
    int v8 = v4 * v5 - v6;
    char c3 = c1 + c2;
    int v9 = v7 + v8 + c3;
    return v9 * 100 + a - l;
}
int main() {
    print_kv("spread", spread(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12));
    print_kv("spread", spread(12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1));
    return 0;
}
