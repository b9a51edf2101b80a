// Block scopes: inner declarations hide outer ones until the block ends.
#include "lib.h"
int x = 1;
int f(int x) {
    {
        int x = 30;
        print_kv("inner", x);
    }
    return x;
}
int main() {
    print_kv("global", x);
    {
        int x = 2;
        print_kv("block", x);
        {
            int x = 3;
            print_kv("nested", x);
        }
        print_kv("block again", x);
    }
    print_kv("global again", x);
    print_kv("param", f(20));
    {
        int y = 5;
        print_kv("y", y);
    }
    {
        int y = 6;
        print_kv("y", y);
    }
    if (x) {
        char x = 'c';
        print_kv("if-block", x);
    }
    while (x < 3) {
        int z = x * 10;
        x = x + 1;
        print_kv("loop", z);
    }
    print_kv("x", x);
    return 0;
}
