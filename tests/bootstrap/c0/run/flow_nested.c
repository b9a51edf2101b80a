// Nested loops: break and continue act on the innermost loop.
#include "lib.h"
int main() {
    int i;
    int j;
    int k;
    int count = 0;
    for (i = 0; i < 5; i = i + 1) {
        j = 0;
        while (j < 5) {
            j = j + 1;
            if (j == 2) continue;
            k = 0;
            do {
                k = k + 1;
                if (k == 3) break;
                count = count + 1;
            } while (k < 10);
            if (j == 4) break;
        }
        if (i == 3) continue;
        count = count + 100;
    }
    print_kv("count", count);
    for (i = 0; i < 3; i = i + 1) {
        for (j = 0; j < 3; j = j + 1) {
            if (j > i) break;
            print_int(i * 10 + j);
            print(" ");
        }
    }
    print_ln();
    return 0;
}
