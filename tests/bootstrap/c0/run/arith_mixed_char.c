// Arithmetic mixing chars and ints; char results of operators; chars as
// array indexes and loop counters.
#include "lib.h"
int counts[256];
int main() {
    char c;
    char s[6];
    int i;
    char k;
    s[0] = 250; s[1] = 3; s[2] = 'A'; s[3] = 0x80; s[4] = 1; s[5] = 0;
    print_kv("s0+s1", s[0] + s[1]);
    print_kv("s0*s3", s[0] * s[3]);
    print_kv("s3<<1", s[3] << 1);
    print_kv("~s0", ~s[0]);
    print_kv("-s4", -s[4]);
    print_kv("s0/s1", s[0] / s[1]);
    print_kv("s2%s1", s[2] % s[1]);
    print_kv("s0>s2", s[0] > s[2]);
    c = s[0] + s[1] + s[2];
    print_kv("c", c);
    for (i = 0; i < 5; i = i + 1) counts[s[i]] = counts[s[i]] + 1;
    print_kv("counts[250]", counts[250]);
    print_kv("counts[128]", counts[128]);
    i = 0;
    for (k = 250; k != 4; k = k + 1) i = i + 1;
    print_kv("wraps after", i);
    return 0;
}
