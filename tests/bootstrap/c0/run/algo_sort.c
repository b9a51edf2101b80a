// Sorting: insertion, quick, merge and heap sort agree on pseudo-random data.
#include <stdlib.h>
#include "lib.h"
// CONSTANT N 500
#define N 500
int seed = 12345;
int next_random() {
    seed = seed * 1103515245 + 12345;
    return (seed >> 8) & 65535;
}
void insertion(int* a, int n) {
    int i;
    for (i = 1; i < n; i = i + 1) {
        int v = a[i];
        int j = i - 1;
        while (j >= 0 && a[j] > v) {
            a[j + 1] = a[j];
            j = j - 1;
        }
        a[j + 1] = v;
    }
}
void swap(int* a, int* b) {
    int t = *a;
    *a = *b;
    *b = t;
}
void quick(int* a, int lo, int hi) {
    int p;
    int i;
    int j;
    if (lo >= hi) return;
    p = a[(lo + hi) / 2];
    i = lo;
    j = hi;
    while (i <= j) {
        while (a[i] < p) i = i + 1;
        while (a[j] > p) j = j - 1;
        if (i <= j) {
            swap(&a[i], &a[j]);
            i = i + 1;
            j = j - 1;
        }
    }
    quick(a, lo, j);
    quick(a, i, hi);
}
void merge_sort(int* a, int* tmp, int n) {
    int mid = n / 2;
    int i = 0;
    int j = mid;
    int k = 0;
    if (n < 2) return;
    merge_sort(a, tmp, mid);
    merge_sort(a + mid, tmp, n - mid);
    while (i < mid && j < n) {
        if (a[i] <= a[j]) {
            tmp[k] = a[i];
            i = i + 1;
        } else {
            tmp[k] = a[j];
            j = j + 1;
        }
        k = k + 1;
    }
    while (i < mid) { tmp[k] = a[i]; k = k + 1; i = i + 1; }
    while (j < n) { tmp[k] = a[j]; k = k + 1; j = j + 1; }
    for (i = 0; i < n; i = i + 1) a[i] = tmp[i];
}
void sift(int* a, int start, int end) {
    int root = start;
    while (root * 2 + 1 <= end) {
        int child = root * 2 + 1;
        int best = root;
        if (a[best] < a[child]) best = child;
        if (child + 1 <= end && a[best] < a[child + 1]) best = child + 1;
        if (best == root) return;
        swap(&a[root], &a[best]);
        root = best;
    }
}
void heap_sort(int* a, int n) {
    int start = (n - 2) / 2;
    int end = n - 1;
    while (start >= 0) {
        sift(a, start, n - 1);
        start = start - 1;
    }
    while (end > 0) {
        swap(&a[end], &a[0]);
        end = end - 1;
        sift(a, 0, end);
    }
}
int checksum(int* a, int n) {
    int h = 0;
    int i;
    for (i = 0; i < n; i = i + 1) h = h * 31 + a[i];
    return h;
}
int main() {
    int* orig = calloc(N, sizeof(int));
    int* a = calloc(N, sizeof(int));
    int* b = calloc(N, sizeof(int));
    int* c = calloc(N, sizeof(int));
    int* d = calloc(N, sizeof(int));
    int* tmp = calloc(N, sizeof(int));
    int i;
    int sorted = 1;
    for (i = 0; i < N; i = i + 1) {
        orig[i] = next_random() - 30000;
        a[i] = orig[i]; b[i] = orig[i]; c[i] = orig[i]; d[i] = orig[i];
    }
    insertion(a, N);
    quick(b, 0, N - 1);
    merge_sort(c, tmp, N);
    heap_sort(d, N);
    for (i = 1; i < N; i = i + 1) if (a[i - 1] > a[i]) sorted = 0;
    print_kv("sorted", sorted);
    print_kv("insertion", checksum(a, N));
    print_kv("quick", checksum(b, N));
    print_kv("merge", checksum(c, N));
    print_kv("heap", checksum(d, N));
    print_kv("min", a[0]);
    print_kv("max", a[N - 1]);
    print_kv("median", a[N / 2]);
    return 0;
}
