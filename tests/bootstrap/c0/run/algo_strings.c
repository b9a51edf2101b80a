// String routines written in C0: search, split, join, case, palindromes,
// sorting an array of strings.
#include <stdlib.h>
#include "lib.h"
int find(char* hay, char* needle) {
    int i;
    int j;
    for (i = 0; hay[i] != 0; i = i + 1) {
        for (j = 0; needle[j] != 0 && hay[i + j] == needle[j]; j = j + 1) ;
        if (needle[j] == 0) return i;
    }
    return -1;
}
int split(char* s, char sep, char** parts, int max) {
    int n = 0;
    char* start = s;
    while (1) {
        if (*s == sep || *s == 0) {
            int len = s - start;
            char* p = calloc(len + 1, 1);
            int i;
            for (i = 0; i < len; i = i + 1) p[i] = start[i];
            if (n < max) {
                parts[n] = p;
                n = n + 1;
            }
            if (*s == 0) return n;
            start = s + 1;
        }
        s = s + 1;
    }
}
int less(char* a, char* b) {
    while (*a != 0 && *a == *b) {
        a = a + 1;
        b = b + 1;
    }
    return *a < *b;
}
int palindrome(char* s) {
    int i = 0;
    int j = str_len(s) - 1;
    while (i < j) {
        if (s[i] != s[j]) return 0;
        i = i + 1;
        j = j - 1;
    }
    return 1;
}
void upper(char* s) {
    while (*s) {
        if (*s >= 'a' && *s <= 'z') *s = *s - 'a' + 'A';
        s = s + 1;
    }
}
int main() {
    char* parts[16];
    int n;
    int i;
    int j;
    char word[8];
    print_kv("find", find("hello world", "o w"));
    print_kv("find none", find("hello", "xyz"));
    print_kv("find empty", find("abc", ""));
    n = split("pear,apple,fig,banana,,cherry", ',', parts, 16);
    print_kv("parts", n);
    for (i = 1; i < n; i = i + 1) {
        char* v = parts[i];
        j = i - 1;
        while (j >= 0 && less(v, parts[j])) {
            parts[j + 1] = parts[j];
            j = j - 1;
        }
        parts[j + 1] = v;
    }
    for (i = 0; i < n; i = i + 1) {
        print("[");
        print(parts[i]);
        print("]");
    }
    print_ln();
    print_kv("racecar", palindrome("racecar"));
    print_kv("abca", palindrome("abca"));
    word[0] = 'm'; word[1] = 'i'; word[2] = 'x'; word[3] = 'E'; word[4] = 'd'; word[5] = 0;
    upper(word);
    print(word);
    print_ln();
    return 0;
}
