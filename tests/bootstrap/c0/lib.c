// lib.c: output helpers shared by the C0 test programs (write() only).
#include <unistd.h>
#include "lib.h"

int str_len(char* s) {
    int n = 0;
    while (s[n] != 0) {
        n = n + 1;
    }
    return n;
}

void print(char* s) {
    write(1, s, str_len(s));
}

void print_char(int c) {
    char b[1];
    b[0] = c;
    write(1, b, 1);
}

// Decimal, including -2147483648: digits are taken from the negative side.
void print_int(int n) {
    char buf[12];
    int i = 11;
    int neg = n < 0;
    if (n == 0) {
        print_char('0');
        return;
    }
    while (n != 0) {
        int d = n % 10;
        if (d < 0) {
            d = -d;
        }
        buf[i] = '0' + d;
        i = i - 1;
        n = n / 10;
    }
    if (neg) {
        buf[i] = '-';
        i = i - 1;
    }
    write(1, buf + i + 1, 11 - i);
}

// Eight hex digits, most significant first.
void print_hex(int n) {
    int i = 28;
    while (i >= 0) {
        print_char("0123456789abcdef"[(n >> i) & 15]);
        i = i - 4;
    }
}

void print_ln() {
    print_char('\n');
}

void print_kv(char* key, int value) {
    print(key);
    print("=");
    print_int(value);
    print_ln();
}
