// CONSTANTs in expressions, conditions, array sizes, struct members,
// global initializers and sizeof arithmetic.
#include "lib.h"
#define LEN 5
// CONSTANT LEN 5
#define KIND_A 1
// CONSTANT KIND_A 1
#define KIND_B 2
// CONSTANT KIND_B 2
#define MINUS -3
// CONSTANT MINUS -3
struct item {
    int kind;
    char name[LEN];
};
struct item items[LEN];
int start = KIND_B;
int main() {
    int i;
    int n = 0;
    for (i = 0; i < LEN; i = i + 1) {
        items[i].kind = KIND_A + i % 2;
        items[i].name[LEN - 1] = 0;
    }
    for (i = 0; i < LEN; i = i + 1) if (items[i].kind == KIND_B) n = n + 1;
    print_kv("kind b", n);
    print_kv("start", start);
    print_kv("minus", MINUS * MINUS + MINUS);
    print_kv("sizeof", sizeof(items) / sizeof(items[0]) == LEN);
    print_kv("member", sizeof(items[0].name));
    return 0;
}
