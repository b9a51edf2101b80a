// Matrix multiplication and transposition on int arrays in structs.
#include "lib.h"
// CONSTANT DIM 6
#define DIM 6
struct matrix {
    int v[36];
};
int get(struct matrix* m, int r, int c) {
    return m->v[r * DIM + c];
}
void set(struct matrix* m, int r, int c, int x) {
    m->v[r * DIM + c] = x;
}
void multiply(struct matrix* a, struct matrix* b, struct matrix* out) {
    int r;
    int c;
    int k;
    for (r = 0; r < DIM; r = r + 1) {
        for (c = 0; c < DIM; c = c + 1) {
            int s = 0;
            for (k = 0; k < DIM; k = k + 1) s = s + get(a, r, k) * get(b, k, c);
            set(out, r, c, s);
        }
    }
}
void transpose(struct matrix* a, struct matrix* out) {
    int r;
    int c;
    for (r = 0; r < DIM; r = r + 1)
        for (c = 0; c < DIM; c = c + 1)
            set(out, c, r, get(a, r, c));
}
void show(struct matrix* m) {
    int r;
    int c;
    for (r = 0; r < DIM; r = r + 1) {
        for (c = 0; c < DIM; c = c + 1) {
            print_int(get(m, r, c));
            print(" ");
        }
        print_ln();
    }
}
int main() {
    struct matrix a;
    struct matrix b;
    struct matrix p;
    struct matrix t;
    int r;
    int c;
    for (r = 0; r < DIM; r = r + 1) {
        for (c = 0; c < DIM; c = c + 1) {
            set(&a, r, c, r * 3 - c + 1);
            set(&b, r, c, (r + c) % 4 - 1);
        }
    }
    multiply(&a, &b, &p);
    show(&p);
    transpose(&p, &t);
    show(&t);
    multiply(&t, &t, &p);
    print_kv("corner", get(&p, DIM - 1, DIM - 1));
    return 0;
}
