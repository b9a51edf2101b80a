// Number theory: factorization, Collatz, perfect numbers, digit sums,
// integer square roots, Roman numerals.
#include "lib.h"
void factor(int n) {
    int p = 2;
    print_int(n);
    print(" =");
    while (p * p <= n) {
        while (n % p == 0) {
            print(" ");
            print_int(p);
            n = n / p;
        }
        p = p + 1;
    }
    if (n > 1) {
        print(" ");
        print_int(n);
    }
    print_ln();
}
int collatz(int n) {
    int steps = 0;
    while (n != 1) {
        if (n % 2) n = 3 * n + 1;
        else n = n / 2;
        steps = steps + 1;
    }
    return steps;
}
int isqrt(int n) {
    int x = n;
    int y = (x + 1) / 2;
    if (n < 2) return n;
    while (y < x) {
        x = y;
        y = (x + n / x) / 2;
    }
    return x;
}
void roman(int n) {
    int values[13];
    char* names[13];
    int i = 0;
    values[0] = 1000; names[0] = "M"; values[1] = 900; names[1] = "CM";
    values[2] = 500; names[2] = "D"; values[3] = 400; names[3] = "CD";
    values[4] = 100; names[4] = "C"; values[5] = 90; names[5] = "XC";
    values[6] = 50; names[6] = "L"; values[7] = 40; names[7] = "XL";
    values[8] = 10; names[8] = "X"; values[9] = 9; names[9] = "IX";
    values[10] = 5; names[10] = "V"; values[11] = 4; names[11] = "IV";
    values[12] = 1; names[12] = "I";
    print_int(n);
    print(" ");
    while (n > 0) {
        while (n >= values[i]) {
            print(names[i]);
            n = n - values[i];
        }
        i = i + 1;
    }
    print_ln();
}
int main() {
    int n;
    int best = 0;
    int best_n = 0;
    factor(360); factor(97); factor(2147483646); factor(1001); factor(65536);
    for (n = 1; n < 10000; n = n + 1) {
        int s = collatz(n);
        if (s > best) { best = s; best_n = n; }
    }
    print_kv("collatz best", best_n);
    print_kv("collatz steps", best);
    for (n = 2; n < 10000; n = n + 1) {
        int d;
        int s = 1;
        for (d = 2; d * d <= n; d = d + 1) {
            if (n % d == 0) {
                s = s + d;
                if (d * d != n) s = s + n / d;
            }
        }
        if (s == n) print_kv("perfect", n);
    }
    print_kv("isqrt(2147483647)", isqrt(2147483647));
    print_kv("isqrt(1000000)", isqrt(1000000));
    roman(1994); roman(3888); roman(2026); roman(4);
    return 0;
}
