// Permutations (Heap's algorithm) and combinations by recursion.
#include "lib.h"
int count;
void show(int* a, int n) {
    int i;
    for (i = 0; i < n; i = i + 1) print_int(a[i]);
    print(" ");
}
void heap(int* a, int k, int n) {
    int i;
    int t;
    if (k == 1) {
        count = count + 1;
        if (n <= 3) show(a, n);
        return;
    }
    heap(a, k - 1, n);
    for (i = 0; i < k - 1; i = i + 1) {
        if (k % 2 == 0) {
            t = a[i]; a[i] = a[k - 1]; a[k - 1] = t;
        } else {
            t = a[0]; a[0] = a[k - 1]; a[k - 1] = t;
        }
        heap(a, k - 1, n);
    }
}
void choose(int* chosen, int depth, int start, int n, int k) {
    int i;
    if (depth == k) {
        count = count + 1;
        show(chosen, k);
        return;
    }
    for (i = start; i < n; i = i + 1) {
        chosen[depth] = i;
        choose(chosen, depth + 1, i + 1, n, k);
    }
}
int main() {
    int a[8];
    int i;
    for (i = 0; i < 8; i = i + 1) a[i] = i + 1;
    heap(a, 3, 3);
    print_ln();
    count = 0;
    heap(a, 8, 8);
    print_kv("8!", count);
    count = 0;
    choose(a, 0, 0, 5, 3);
    print_ln();
    print_kv("C(5,3)", count);
    return 0;
}
