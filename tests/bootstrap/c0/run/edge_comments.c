// Comments in odd places: between tokens, in expressions, nested-looking.
#include "lib.h"
int/* here */main/* and here */(/* empty */)/**/{
    int /* type */ x /* name */ = /* value */ 4 /* more */;
    /* a block comment
       spanning lines // with a line comment inside
       and a /* that does not nest */
    int y = x // a line comment /* with a block opener
        * 2;
    char* s = "/* not a comment */ // nor this";
    print_kv("x", x);
    print_kv("y", y);
    print(s); print_ln();
    print_kv("div", 8 / 2 /* a division, then a comment */);
    print_kv("slashes", 100 / /* */ 10);
    return 0;
}
