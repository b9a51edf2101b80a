// The sieve of Eratosthenes up to 100000 in a global char array.
#include "lib.h"
char composite[100001];
int main() {
    int i;
    int j;
    int count = 0;
    int last = 0;
    for (i = 2; i * i <= 100000; i = i + 1) {
        if (!composite[i]) {
            for (j = i * i; j <= 100000; j = j + i) composite[j] = 1;
        }
    }
    for (i = 2; i <= 100000; i = i + 1) {
        if (!composite[i]) {
            count = count + 1;
            last = i;
            if (i < 100) { print_int(i); print(" "); }
        }
    }
    print_ln();
    print_kv("primes", count);
    print_kv("largest", last);
    return 0;
}
