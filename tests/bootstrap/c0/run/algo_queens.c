// N-queens by backtracking, for N = 1..9; prints one board for 8.
#include "lib.h"
int cols[12];
int solutions;
int shown;
int safe(int row, int col) {
    int r;
    for (r = 0; r < row; r = r + 1) {
        int c = cols[r];
        if (c == col || c - col == row - r || col - c == row - r) return 0;
    }
    return 1;
}
void show(int n) {
    int r;
    int c;
    for (r = 0; r < n; r = r + 1) {
        for (c = 0; c < n; c = c + 1) {
            if (cols[r] == c) print("Q"); else print(".");
        }
        print_ln();
    }
}
void place(int row, int n) {
    int col;
    if (row == n) {
        solutions = solutions + 1;
        if (n == 8 && !shown) {
            show(n);
            shown = 1;
        }
        return;
    }
    for (col = 0; col < n; col = col + 1) {
        if (safe(row, col)) {
            cols[row] = col;
            place(row + 1, n);
        }
    }
}
int main() {
    int n;
    for (n = 1; n <= 9; n = n + 1) {
        solutions = 0;
        place(0, n);
        print_int(n); print(": "); print_int(solutions); print_ln();
    }
    return 0;
}
