// Arrays of pointers, pointers to pointers, pointer arithmetic on char**.
#include <stdlib.h>
#include "lib.h"
int main() {
    char* words[5];
    char** w;
    int* rows[3];
    int** r;
    int i;
    int j;
    words[0] = "alpha"; words[1] = "beta"; words[2] = "gamma"; words[3] = "delta"; words[4] = 0;
    for (w = words; *w != 0; w = w + 1) {
        print(*w);
        print(" ");
    }
    print_ln();
    print_kv("count", w - words);
    print_int(*(*(words + 2) + 1)); print_ln();
    print_int(words[3][4]); print_ln();
    for (i = 0; i < 3; i = i + 1) {
        rows[i] = calloc(4, sizeof(int));
        for (j = 0; j < 4; j = j + 1) rows[i][j] = i * 10 + j;
    }
    r = rows;
    print_kv("r[2][3]", r[2][3]);
    print_kv("**(r+1)", **(r + 1));
    print_kv("*(*r+2)", *(*r + 2));
    r = r + 1;
    print_kv("r[0][1]", r[0][1]);
    print_kv("r[-1][1]", r[-1][1]);
    return 0;
}
