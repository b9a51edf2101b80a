// Signed comparisons on edge values; results are 0 or 1.
#include "lib.h"
int vals[9];
int main() {
    int i;
    int j;
    vals[0] = 0; vals[1] = 1; vals[2] = -1; vals[3] = 2147483647;
    vals[4] = -2147483647 - 1; vals[5] = 255; vals[6] = -255; vals[7] = 1000; vals[8] = 1000;
    for (i = 0; i < 9; i = i + 1) {
        for (j = 0; j < 9; j = j + 1) {
            print_int(vals[i] < vals[j]);
            print_int(vals[i] <= vals[j]);
            print_int(vals[i] > vals[j]);
            print_int(vals[i] >= vals[j]);
            print_int(vals[i] == vals[j]);
            print_int(vals[i] != vals[j]);
            print_ln();
        }
    }
    return 0;
}
