// Unbraced bodies, chained loops and statements nested without blocks.
#include "lib.h"
int main() {
    int i;
    int j;
    int n = 0;
    for (i = 0; i < 4; i = i + 1)
        for (j = 0; j < 4; j = j + 1)
            if (i != j)
                if (i < j)
                    n = n + 1;
                else
                    n = n + 10;
    print_kv("n", n);
    i = 0;
    while (i < 3)
        do
            i = i + 1;
        while (i % 2);
    print_kv("i", i);
    return 0;
}
