// Conway's game of life on a 20x20 torus: a glider and a blinker.
#include "lib.h"
// CONSTANT W 20
#define W 20
char grid[400];
char next[400];
int at(int r, int c) {
    return grid[((r + W) % W) * W + (c + W) % W];
}
void step() {
    int r;
    int c;
    for (r = 0; r < W; r = r + 1) {
        for (c = 0; c < W; c = c + 1) {
            int n = at(r - 1, c - 1) + at(r - 1, c) + at(r - 1, c + 1) + at(r, c - 1) +
                    at(r, c + 1) + at(r + 1, c - 1) + at(r + 1, c) + at(r + 1, c + 1);
            next[r * W + c] = n == 3 || (n == 2 && grid[r * W + c]);
        }
    }
    for (r = 0; r < W * W; r = r + 1) grid[r] = next[r];
}
void show() {
    int r;
    int c;
    for (r = 0; r < W; r = r + 1) {
        for (c = 0; c < W; c = c + 1) {
            if (grid[r * W + c]) print("#"); else print(".");
        }
        print_ln();
    }
}
int main() {
    int i;
    int alive = 0;
    grid[1 * W + 2] = 1; grid[2 * W + 3] = 1; grid[3 * W + 1] = 1; grid[3 * W + 2] = 1;
    grid[3 * W + 3] = 1;
    grid[10 * W + 10] = 1; grid[10 * W + 11] = 1; grid[10 * W + 12] = 1;
    for (i = 0; i < 37; i = i + 1) step();
    show();
    for (i = 0; i < W * W; i = i + 1) alive = alive + grid[i];
    print_kv("alive", alive);
    return 0;
}
