// UTF-8 in comments and strings passes through: «ça marche» ✓
#include "lib.h"
int main() {
    char* s = "héllo wörld ✓";
    print(s);
    print_ln();
    print_kv("bytes", str_len(s));
    print_kv("first high byte", s[1]);
    return 0;
}
