// Globals used by functions defined before them in other ways: a
// prototype, then the variables, then the definitions.
#include "lib.h"
int helper(int x);
int table[4];
int main() {
    table[0] = 1;
    table[1] = 2;
    table[2] = 3;
    table[3] = 4;
    print_kv("helper", helper(3));
    return 0;
}
int helper(int x) {
    int s = 0;
    while (x >= 0) {
        s = s + table[x];
        x = x - 1;
    }
    return s;
}
