// calloc gives zeroed, distinct, usable memory; large blocks work.
#include <stdlib.h>
#include "lib.h"
int main() {
    int i;
    int bad = 0;
    char* blocks[50];
    int* big;
    for (i = 0; i < 50; i = i + 1) {
        int j;
        blocks[i] = calloc(i + 1, 3);
        for (j = 0; j < (i + 1) * 3; j = j + 1) {
            if (blocks[i][j] != 0) bad = bad + 1;
            blocks[i][j] = i;
        }
    }
    for (i = 0; i < 50; i = i + 1) {
        if (blocks[i][(i + 1) * 3 - 1] != i) bad = bad + 1;
        free(blocks[i]);
    }
    print_kv("bad", bad);
    big = calloc(3000000, sizeof(int));
    for (i = 0; i < 3000000; i = i + 1) {
        if (big[i] != 0) bad = bad + 1;
        big[i] = i;
    }
    print_kv("big", big[2999999]);
    print_kv("bad", bad);
    print_kv("zero size", calloc(0, 4) != 0);
    return 0;
}
