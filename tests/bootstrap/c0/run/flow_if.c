// if / else chains and the dangling else.
#include "lib.h"
char* classify(int n) {
    if (n < 0)
        return "negative";
    else if (n == 0)
        return "zero";
    else if (n < 10) {
        return "small";
    } else {
        if (n < 100)
            if (n % 2 == 0)
                return "even, medium";
            else
                return "odd, medium";
        return "large";
    }
}
int main() {
    int i;
    int v[7];
    v[0] = -5; v[1] = 0; v[2] = 7; v[3] = 42; v[4] = 43; v[5] = 100; v[6] = 2147483647;
    for (i = 0; i < 7; i = i + 1) {
        print(classify(v[i]));
        print_ln();
    }
    if (1) ; else print("never\n");
    if (0) print("never\n");
    if (v[0]) print("nonzero is true\n");
    if (!v[1]) print("zero is false\n");
    return 0;
}
