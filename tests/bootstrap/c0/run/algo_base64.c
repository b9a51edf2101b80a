// Base64 encode and decode, round trip over all byte values.
#include <stdlib.h>
#include "lib.h"
char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
int encode(char* in, int n, char* out) {
    int i = 0;
    int o = 0;
    while (i + 2 < n) {
        int v = (in[i] << 16) | (in[i + 1] << 8) | in[i + 2];
        out[o] = alphabet[(v >> 18) & 63];
        out[o + 1] = alphabet[(v >> 12) & 63];
        out[o + 2] = alphabet[(v >> 6) & 63];
        out[o + 3] = alphabet[v & 63];
        i = i + 3;
        o = o + 4;
    }
    if (n - i == 1) {
        int v = in[i] << 16;
        out[o] = alphabet[(v >> 18) & 63];
        out[o + 1] = alphabet[(v >> 12) & 63];
        out[o + 2] = '=';
        out[o + 3] = '=';
        o = o + 4;
    } else if (n - i == 2) {
        int v = (in[i] << 16) | (in[i + 1] << 8);
        out[o] = alphabet[(v >> 18) & 63];
        out[o + 1] = alphabet[(v >> 12) & 63];
        out[o + 2] = alphabet[(v >> 6) & 63];
        out[o + 3] = '=';
        o = o + 4;
    }
    out[o] = 0;
    return o;
}
int value_of(int c) {
    int i;
    for (i = 0; i < 64; i = i + 1) if (alphabet[i] == c) return i;
    return -1;
}
int decode(char* in, char* out) {
    int n = 0;
    int bits = 0;
    int acc = 0;
    while (*in != 0 && *in != '=') {
        acc = (acc << 6) | value_of(*in);
        bits = bits + 6;
        if (bits >= 8) {
            bits = bits - 8;
            out[n] = (acc >> bits) & 255;
            n = n + 1;
        }
        in = in + 1;
    }
    return n;
}
int main() {
    char* enc = calloc(400, 1);
    char* dec = calloc(300, 1);
    char* all = calloc(256, 1);
    int i;
    int n;
    int ok = 1;
    encode("Man", 3, enc); print(enc); print_ln();
    encode("Ma", 2, enc); print(enc); print_ln();
    encode("M", 1, enc); print(enc); print_ln();
    encode("hello, world", 12, enc); print(enc); print_ln();
    for (i = 0; i < 256; i = i + 1) all[i] = i;
    n = encode(all, 256, enc);
    print_kv("encoded", n);
    print(enc + 300); print_ln();
    n = decode(enc, dec);
    print_kv("decoded", n);
    for (i = 0; i < 256; i = i + 1) if (dec[i] != i) ok = 0;
    print_kv("round trip", ok);
    return 0;
}
