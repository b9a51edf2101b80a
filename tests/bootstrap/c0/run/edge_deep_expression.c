// Deeply nested parentheses and long operator chains.
#include "lib.h"
int main() {
    int x = 1;
    int y;
    y = ((((((((((((((((((((((((((((((x + 1) * 2) + 1) * 2) + 1) * 2) + 1) * 2) + 1) * 2) + 1) * 2) + 1) * 2) + 1) * 2) + 1) * 2) + 1) * 2) + 1) * 2) + 1) * 2) + 1) * 2) + 1) * 2) + 1) * 2);
    print_kv("y", y);
    y = x + x + x + x + x + x + x + x + x + x + x + x + x + x + x + x + x + x + x + x + x + x + x + x + x + x + x + x + x + x + x + x + x + x + x + x + x + x + x + x;
    print_kv("sum", y);
    y = 1 - 2 - 3 - 4 - 5 - 6 - 7 - 8 - 9 - 10 - 11 - 12 - 13 - 14 - 15 - 16 - 17 - 18 - 19 - 20;
    print_kv("diff", y);
    y = x < 2 && x > 0 && x != 5 && x == 1 && !(x == 2) && x + 1 == 2 && x * 3 == 3 || 0;
    print_kv("logic", y);
    y = -(-(-(-(-(-(-(-(-(-x)))))))));
    print_kv("neg", y);
    y = ~(~(~(~(~(~x)))));
    print_kv("inv", y);
    return 0;
}
