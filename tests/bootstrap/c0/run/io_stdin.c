// read() from standard input: count lines, words and bytes, echo upper case.
#include <unistd.h>
#include "lib.h"
int main() {
    char buf[7];
    int n;
    int i;
    int lines = 0;
    int words = 0;
    int bytes = 0;
    int in_word = 0;
    while ((n = read(0, buf, 7)) > 0) {
        for (i = 0; i < n; i = i + 1) {
            char c = buf[i];
            bytes = bytes + 1;
            if (c == '\n') lines = lines + 1;
            if (c == ' ' || c == '\n' || c == '\t') {
                in_word = 0;
            } else if (!in_word) {
                in_word = 1;
                words = words + 1;
            }
            if (c >= 'a' && c <= 'z') c = c - 32;
            print_char(c);
        }
    }
    print_kv("lines", lines);
    print_kv("words", words);
    print_kv("bytes", bytes);
    return 0;
}
