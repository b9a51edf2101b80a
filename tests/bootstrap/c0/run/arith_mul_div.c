// *, / and % (signed, truncating toward zero) on edge values.
#include "lib.h"
int vals[13];
int main() {
    int i;
    int j;
    vals[0] = 0; vals[1] = 1; vals[2] = -1; vals[3] = 2147483647;
    vals[4] = -2147483647 - 1; vals[5] = 7; vals[6] = -7; vals[7] = 3;
    vals[8] = -3; vals[9] = 100; vals[10] = 65536; vals[11] = -65536; vals[12] = 46341;
    for (i = 0; i < 13; i = i + 1) {
        for (j = 0; j < 13; j = j + 1) {
            print_int(vals[i] * vals[j]);
            if (vals[j] != 0 && !(vals[i] == -2147483647 - 1 && vals[j] == -1)) {
                print(" ");
                print_int(vals[i] / vals[j]);
                print(" ");
                print_int(vals[i] % vals[j]);
            }
            print_ln();
        }
    }
    return 0;
}
