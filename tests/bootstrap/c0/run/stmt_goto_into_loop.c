// goto into the middle of a loop body, and out of a deeply nested one.
#include "lib.h"
int main() {
    int i = 10;
    int n = 0;
    goto middle;
    while (i < 15) {
        n = n + 100;
    middle:
        n = n + 1;
        i = i + 1;
    }
    print_kv("n", n);
    for (i = 0; i < 10; i = i + 1) {
        int j;
        for (j = 0; j < 10; j = j + 1) {
            do {
                if (i * j == 42) goto out;
            } while (0);
        }
    }
out:
    print_kv("i", i);
    return 0;
}
