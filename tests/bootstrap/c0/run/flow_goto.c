// goto: forward, backward, out of nested loops, labels in blocks.
#include "lib.h"
int find(int* a, int n, int v) {
    int i;
    int j;
    for (i = 0; i < n; i = i + 1) {
        for (j = 0; j < n; j = j + 1) {
            if (a[i] + a[j] == v)
                goto found;
        }
    }
    return -1;
found:
    return i * 100 + j;
}
int main() {
    int a[5];
    int n = 0;
    a[0] = 1; a[1] = 5; a[2] = 9; a[3] = 14; a[4] = 20;
again:
    n = n + 1;
    if (n < 5) goto again;
    print_kv("n", n);
    print_kv("find 23", find(a, 5, 23));
    print_kv("find 100", find(a, 5, 100));
    goto skip;
    print("skipped\n");
skip:
    {
        int x = 3;
    inner:
        x = x - 1;
        if (x > 0) goto inner;
        print_kv("x", x);
    }
    goto end;
end:
    ;
    return 0;
}
