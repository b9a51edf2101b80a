// Assignments inside conditions and arguments.
#include "lib.h"
int values[6];
int main() {
    int i = 0;
    int v;
    int total = 0;
    values[0] = 5; values[1] = 4; values[2] = 3; values[3] = 0; values[4] = 9;
    while ((v = values[i]) != 0) {
        total = total + v;
        i = i + 1;
    }
    print_kv("total", total);
    print_kv("i", i);
    if ((v = total * 2) > 20) print_kv("v", v);
    return 0;
}
