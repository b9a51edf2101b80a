// Big numbers in base 10000: 100!, 2^500 and Fibonacci(300).
#include <stdlib.h>
#include "lib.h"
struct big {
    int digits[200];
    int len;
};
void set_small(struct big* b, int v) {
    int i;
    for (i = 0; i < 200; i = i + 1) b->digits[i] = 0;
    b->len = 0;
    while (v > 0) {
        b->digits[b->len] = v % 10000;
        b->len = b->len + 1;
        v = v / 10000;
    }
    if (b->len == 0) b->len = 1;
}
void mul_small(struct big* b, int m) {
    int carry = 0;
    int i;
    for (i = 0; i < b->len; i = i + 1) {
        int v = b->digits[i] * m + carry;
        b->digits[i] = v % 10000;
        carry = v / 10000;
    }
    while (carry > 0) {
        b->digits[b->len] = carry % 10000;
        b->len = b->len + 1;
        carry = carry / 10000;
    }
}
void add(struct big* r, struct big* a, struct big* b) {
    int carry = 0;
    int i;
    int n = a->len;
    if (b->len > n) n = b->len;
    for (i = 0; i < n; i = i + 1) {
        int v = a->digits[i] + b->digits[i] + carry;
        r->digits[i] = v % 10000;
        carry = v / 10000;
    }
    r->len = n;
    if (carry) {
        r->digits[n] = carry;
        r->len = n + 1;
    }
}
void print_big(struct big* b) {
    int i = b->len - 1;
    print_int(b->digits[i]);
    i = i - 1;
    while (i >= 0) {
        int v = b->digits[i];
        if (v < 1000) print("0");
        if (v < 100) print("0");
        if (v < 10) print("0");
        print_int(v);
        i = i - 1;
    }
    print_ln();
}
int main() {
    struct big* f = calloc(1, sizeof(struct big));
    struct big* a = calloc(1, sizeof(struct big));
    struct big* b = calloc(1, sizeof(struct big));
    struct big* c = calloc(1, sizeof(struct big));
    struct big* t;
    int i;
    set_small(f, 1);
    for (i = 2; i <= 100; i = i + 1) mul_small(f, i);
    print_big(f);
    set_small(f, 1);
    for (i = 0; i < 500; i = i + 1) mul_small(f, 2);
    print_big(f);
    set_small(a, 0);
    set_small(b, 1);
    for (i = 0; i < 300; i = i + 1) {
        add(c, a, b);
        t = a; a = b; b = c; c = t;
    }
    print_big(a);
    return 0;
}
