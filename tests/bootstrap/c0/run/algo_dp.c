// Dynamic programming: knapsack, longest common subsequence, edit distance.
#include <stdlib.h>
#include "lib.h"
int max(int a, int b) {
    if (a > b) return a;
    return b;
}
int min3(int a, int b, int c) {
    int m = a;
    if (b < m) m = b;
    if (c < m) m = c;
    return m;
}
int knapsack(int* w, int* v, int n, int cap) {
    int* best = calloc(cap + 1, sizeof(int));
    int i;
    int c;
    for (i = 0; i < n; i = i + 1)
        for (c = cap; c >= w[i]; c = c - 1)
            best[c] = max(best[c], best[c - w[i]] + v[i]);
    return best[cap];
}
int lcs(char* a, char* b) {
    int n = str_len(a);
    int m = str_len(b);
    int* t = calloc((n + 1) * (m + 1), sizeof(int));
    int i;
    int j;
    for (i = 1; i <= n; i = i + 1)
        for (j = 1; j <= m; j = j + 1)
            if (a[i - 1] == b[j - 1]) t[i * (m + 1) + j] = t[(i - 1) * (m + 1) + j - 1] + 1;
            else t[i * (m + 1) + j] = max(t[(i - 1) * (m + 1) + j], t[i * (m + 1) + j - 1]);
    return t[n * (m + 1) + m];
}
int edit(char* a, char* b) {
    int n = str_len(a);
    int m = str_len(b);
    int* t = calloc((n + 1) * (m + 1), sizeof(int));
    int i;
    int j;
    for (i = 0; i <= n; i = i + 1) t[i * (m + 1)] = i;
    for (j = 0; j <= m; j = j + 1) t[j] = j;
    for (i = 1; i <= n; i = i + 1)
        for (j = 1; j <= m; j = j + 1)
            t[i * (m + 1) + j] = min3(t[(i - 1) * (m + 1) + j] + 1, t[i * (m + 1) + j - 1] + 1,
                                      t[(i - 1) * (m + 1) + j - 1] + (a[i - 1] != b[j - 1]));
    return t[n * (m + 1) + m];
}
int main() {
    int w[6];
    int v[6];
    w[0] = 12; v[0] = 4; w[1] = 2; v[1] = 2; w[2] = 1; v[2] = 1;
    w[3] = 1; v[3] = 2; w[4] = 4; v[4] = 10; w[5] = 7; v[5] = 9;
    print_kv("knapsack 15", knapsack(w, v, 6, 15));
    print_kv("knapsack 5", knapsack(w, v, 6, 5));
    print_kv("lcs", lcs("AGGTAB", "GXTXAYB"));
    print_kv("lcs2", lcs("the quick brown fox", "a quick brown dog"));
    print_kv("edit", edit("kitten", "sitting"));
    print_kv("edit2", edit("intention", "execution"));
    print_kv("edit3", edit("", "abc"));
    return 0;
}
