// Loops whose condition is false at once; for with a false condition
// still runs its initializer.
#include "lib.h"
int init;
int side() {
    init = init + 1;
    return 0;
}
int main() {
    int n = 0;
    int i;
    while (0) n = n + 1;
    while (n > 5) n = n + 1;
    for (i = side(); i > 0; i = i - 1) n = n + 1;
    for (side(); 0;) n = n + 1;
    print_kv("n", n);
    print_kv("init", init);
    return 0;
}
