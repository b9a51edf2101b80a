// CRC-32 (the zlib polynomial) with signed ints: >> is arithmetic, so
// the shifted value is masked.
#include "lib.h"
int table[256];
void make_table() {
    int n;
    for (n = 0; n < 256; n = n + 1) {
        int c = n;
        int k;
        for (k = 0; k < 8; k = k + 1) {
            if (c & 1) c = 0xEDB88320 ^ ((c >> 1) & 0x7fffffff);
            else c = (c >> 1) & 0x7fffffff;
        }
        table[n] = c;
    }
}
int crc32(char* s, int n) {
    int c = -1;
    int i;
    for (i = 0; i < n; i = i + 1) {
        c = table[(c ^ s[i]) & 255] ^ ((c >> 8) & 0x00ffffff);
    }
    return ~c;
}
int main() {
    make_table();
    print_hex(table[1]); print_ln();
    print_hex(table[255]); print_ln();
    print_hex(crc32("", 0)); print_ln();
    print_hex(crc32("a", 1)); print_ln();
    print_hex(crc32("123456789", 9)); print_ln();
    print_hex(crc32("The quick brown fox jumps over the lazy dog", 43)); print_ln();
    return 0;
}
