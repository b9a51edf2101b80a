// & | ^ ~ and shifts (>> is arithmetic) on edge values.
#include "lib.h"
int vals[8];
int main() {
    int i;
    int j;
    vals[0] = 0; vals[1] = 1; vals[2] = -1; vals[3] = 2147483647;
    vals[4] = -2147483647 - 1; vals[5] = 0x55aa55aa; vals[6] = 0x0f0f0f0f; vals[7] = -12345;
    for (i = 0; i < 8; i = i + 1) {
        print_hex(~vals[i]);
        print_ln();
        for (j = 0; j < 8; j = j + 1) {
            print_hex(vals[i] & vals[j]); print(" ");
            print_hex(vals[i] | vals[j]); print(" ");
            print_hex(vals[i] ^ vals[j]); print_ln();
        }
        for (j = 0; j < 32; j = j + 1) {
            print_hex(vals[i] << j); print(" ");
            print_hex(vals[i] >> j); print_ln();
        }
    }
    return 0;
}
