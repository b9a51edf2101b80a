// Frames far beyond 8-bit offsets: big local arrays and structs, and
// locals declared after them.
#include "lib.h"
struct blob {
    int words[300];
    char bytes[1000];
};
int fill(int* a, int n, int k) {
    int i;
    int s = 0;
    for (i = 0; i < n; i = i + 1) {
        a[i] = i * k;
        s = s + a[i];
    }
    return s;
}
int main() {
    int first = 11;
    int big[5000];
    struct blob b;
    char text[3000];
    int last = 22;
    int i;
    print_kv("fill", fill(big, 5000, 3));
    print_kv("big[4999]", big[4999]);
    b.words[299] = 7;
    b.bytes[999] = 'z';
    for (i = 0; i < 2999; i = i + 1) text[i] = 'a' + i % 26;
    text[2999] = 0;
    print_kv("len", str_len(text));
    print_kv("text[2998]", text[2998]);
    print_kv("blob", b.words[299] + b.bytes[999]);
    print_kv("first", first);
    print_kv("last", last);
    return 0;
}
