// String literals: escapes, embedded NULs, sizeof, indexing.
#include <unistd.h>
#include "lib.h"
int main() {
    char* s = "tab\there\nquote\" apostrophe\' backslash\\ hex\x41\x62\n";
    print(s);
    print_int(sizeof("abc")); print_ln();
    print_int(sizeof("a\0b")); print_ln();
    print_int(str_len("a\0b")); print_ln();
    print_int("xyz"[1]); print_ln();
    print_int(*"q"); print_ln();
    write(1, "a\0b\n", 4);
    print("\x30\x31\x32\n");
    print("percent % and hash # and semicolon ; inside\n");
    print("");
    print("\r\n");
    return 0;
}
