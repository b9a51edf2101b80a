// ROT13 of standard input, and a letter histogram.
#include <unistd.h>
#include "lib.h"
int hist[26];
int main() {
    char c[1];
    int i;
    while (read(0, c, 1) == 1) {
        char x = c[0];
        if (x >= 'a' && x <= 'z') {
            hist[x - 'a'] = hist[x - 'a'] + 1;
            x = (x - 'a' + 13) % 26 + 'a';
        } else if (x >= 'A' && x <= 'Z') {
            hist[x - 'A'] = hist[x - 'A'] + 1;
            x = (x - 'A' + 13) % 26 + 'A';
        }
        print_char(x);
    }
    for (i = 0; i < 26; i = i + 1) {
        if (hist[i] > 0) {
            print_char('a' + i);
            print_int(hist[i]);
            print(" ");
        }
    }
    print_ln();
    return 0;
}
