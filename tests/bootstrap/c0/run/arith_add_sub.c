// + and - on edge values, wrapping at 32 bits.
#include "lib.h"
int vals[12];
int main() {
    int i;
    int j;
    vals[0] = 0; vals[1] = 1; vals[2] = -1; vals[3] = 2147483647;
    vals[4] = -2147483647 - 1; vals[5] = 127; vals[6] = 128; vals[7] = 255;
    vals[8] = 256; vals[9] = -256; vals[10] = 65535; vals[11] = 123456789;
    i = 0;
    while (i < 12) {
        j = 0;
        while (j < 12) {
            print_int(vals[i] + vals[j]);
            print(" ");
            print_int(vals[i] - vals[j]);
            print_ln();
            j = j + 1;
        }
        i = i + 1;
    }
    return 0;
}
