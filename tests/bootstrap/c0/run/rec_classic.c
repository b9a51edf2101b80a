// Recursion: factorial, Fibonacci, Ackermann, gcd, Hanoi.
#include "lib.h"
int fact(int n) {
    if (n <= 1) return 1;
    return n * fact(n - 1);
}
int fib(int n) {
    if (n < 2) return n;
    return fib(n - 1) + fib(n - 2);
}
int ack(int m, int n) {
    if (m == 0) return n + 1;
    if (n == 0) return ack(m - 1, 1);
    return ack(m - 1, ack(m, n - 1));
}
int gcd(int a, int b) {
    if (b == 0) return a;
    return gcd(b, a % b);
}
int moves;
void hanoi(int n, int from, int to, int via) {
    if (n == 0) return;
    hanoi(n - 1, from, via, to);
    moves = moves + 1;
    if (n == 4) {
        print_int(from); print("->"); print_int(to); print(" ");
    }
    hanoi(n - 1, via, to, from);
}
int main() {
    int i;
    for (i = 0; i <= 12; i = i + 1) {
        print_int(fact(i)); print(" ");
    }
    print_ln();
    for (i = 0; i <= 20; i = i + 1) {
        print_int(fib(i)); print(" ");
    }
    print_ln();
    print_kv("ack(2,3)", ack(2, 3));
    print_kv("ack(3,3)", ack(3, 3));
    print_kv("gcd", gcd(1071, 462));
    hanoi(10, 1, 3, 2);
    print_ln();
    print_kv("moves", moves);
    return 0;
}
