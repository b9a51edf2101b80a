// calloc refuses sizes that overflow or are negative (as size_t, libc's
// are huge), and serves a large block.
#include <stdlib.h>
#include "lib.h"
int main() {
    char* p;
    print_kv("overflow", calloc(2147483647, 2) == 0);
    print_kv("overflow2", calloc(65536, 65536) == 0);
    print_kv("negative", calloc(-1, 4) == 0);
    print_kv("negative size", calloc(4, -1) == 0);
    p = calloc(100000000, 1);
    print_kv("large", p != 0);
    p[99999999] = 'x';
    print_kv("last byte", p[99999999]);
    print_kv("first byte", p[0]);
    return 0;
}
