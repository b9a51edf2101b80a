// 100000 nested calls.
#include "lib.h"
int depth(int n) {
    if (n == 0) return 0;
    return 1 + depth(n - 1);
}
int sum_to(int n, int acc) {
    if (n == 0) return acc;
    return sum_to(n - 1, acc + n);
}
int main() {
    print_kv("depth", depth(100000));
    print_kv("sum", sum_to(50000, 0));
    return 0;
}
