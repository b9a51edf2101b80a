// Empty statements, empty blocks, empty loop bodies.
#include "lib.h"
int main() {
    int i = 0;
    ;;;
    {}
    { { {} } ; }
    while (i < 10) i = i + 1;
    for (i = 0; i < 5; i = i + 1) ;
    for (i = 0; i < 7; i = i + 1) {}
    if (i) ; else ;
    do ; while (0);
    print_kv("i", i);
    return 0;
}
