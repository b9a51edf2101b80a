// Walking strings with pointers.
#include "lib.h"
int length(char* s) {
    char* p = s;
    while (*p) {
        p = p + 1;
    }
    return p - s;
}
void copy(char* dst, char* src) {
    while (*src != 0) {
        *dst = *src;
        dst = dst + 1;
        src = src + 1;
    }
    *dst = 0;
}
int compare(char* a, char* b) {
    while (*a != 0 && *a == *b) {
        a = a + 1;
        b = b + 1;
    }
    return *a - *b;
}
void reverse(char* s) {
    char* e = s + length(s) - 1;
    while (s < e) {
        char t = *s;
        *s = *e;
        *e = t;
        s = s + 1;
        e = e - 1;
    }
}
int main() {
    char buf[64];
    print_int(length("hello")); print_ln();
    copy(buf, "pointer walk");
    print(buf); print_ln();
    reverse(buf);
    print(buf); print_ln();
    print_int(compare("abc", "abd") < 0); print_ln();
    print_int(compare("abc", "abc")); print_ln();
    print_int(compare("b", "abc") > 0); print_ln();
    print_int(compare("", "")); print_ln();
    return 0;
}
