// A sudoku solver by backtracking.
#include "lib.h"
char grid[81];
int ok(int pos, int d) {
    int r = pos / 9;
    int c = pos % 9;
    int i;
    int br = r / 3 * 3;
    int bc = c / 3 * 3;
    for (i = 0; i < 9; i = i + 1) {
        if (grid[r * 9 + i] == d) return 0;
        if (grid[i * 9 + c] == d) return 0;
        if (grid[(br + i / 3) * 9 + bc + i % 3] == d) return 0;
    }
    return 1;
}
int solve(int pos) {
    int d;
    while (pos < 81 && grid[pos] != 0) pos = pos + 1;
    if (pos == 81) return 1;
    for (d = 1; d <= 9; d = d + 1) {
        if (ok(pos, d)) {
            grid[pos] = d;
            if (solve(pos + 1)) return 1;
        }
    }
    grid[pos] = 0;
    return 0;
}
int main() {
    char* puzzle = "530070000600195000098000060800060003400803001700020006060000280000419005000080079";
    int i;
    for (i = 0; i < 81; i = i + 1) grid[i] = puzzle[i] - '0';
    print_kv("solved", solve(0));
    for (i = 0; i < 81; i = i + 1) {
        print_char('0' + grid[i]);
        if (i % 9 == 8) print_ln();
    }
    return 0;
}
