// while, do-while and for, with break and continue.
#include "lib.h"
int main() {
    int i = 0;
    int n = 0;
    while (i < 10) {
        i = i + 1;
        if (i % 3 == 0)
            continue;
        if (i == 8)
            break;
        n = n + i;
    }
    print_kv("while", n);
    i = 0;
    do {
        i = i + 2;
    } while (i < 7);
    print_kv("do", i);
    i = 100;
    do i = i + 1; while (0);
    print_kv("do-once", i);
    n = 0;
    for (i = 0; i < 20; i = i + 1) {
        if (i == 15) break;
        if (i % 2) continue;
        n = n + i;
    }
    print_kv("for", n);
    n = 0;
    for (;;) {
        n = n + 1;
        if (n > 5) break;
    }
    print_kv("forever", n);
    i = 0;
    for (; i < 3;) i = i + 1;
    print_kv("for-cond-only", i);
    n = 0;
    do {
        n = n + 1;
        if (n < 4) continue;
        break;
    } while (1);
    print_kv("do-continue", n);
    return 0;
}
