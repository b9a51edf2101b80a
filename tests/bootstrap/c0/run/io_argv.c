// argc and argv (the harness passes "prog alpha beta").
#include "lib.h"
int main(int argc, char** argv) {
    int i;
    print_kv("argc", argc);
    for (i = 0; i < argc; i = i + 1) {
        print(argv[i]);
        print_ln();
    }
    print_int(argv[argc] == 0); print_ln();
    return argc;
}
