// continue in a for loop runs the step; in do-while it tests the condition.
#include "lib.h"
int main() {
    int i;
    int steps = 0;
    int body = 0;
    for (i = 0; i < 10; i = i + 1 + 0 * (steps = steps + 1)) {
        if (i % 2) continue;
        body = body + 1;
    }
    print_kv("steps", steps);
    print_kv("body", body);
    i = 0;
    do {
        i = i + 1;
        if (i < 5) continue;
        body = body + 10;
    } while (i < 7);
    print_kv("i", i);
    print_kv("body", body);
    return 0;
}
