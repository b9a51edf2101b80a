// goto back above a declaration re-runs its initializer; locals keep
// their own slots.
#include "lib.h"
int main() {
    int rounds = 0;
top:
    {
        int v = rounds * 2;
        rounds = rounds + 1;
        print_int(v);
        print_ln();
    }
    if (rounds < 4) goto top;
    return rounds;
}
