// Structs that point to each other, the second defined after the first.
#include <stdlib.h>
#include "lib.h"
struct owner;
struct pet {
    char* name;
    struct owner* owner;
};
struct owner {
    char* name;
    struct pet* pet;
};
int main() {
    struct owner* o = calloc(1, sizeof(struct owner));
    struct pet* p = calloc(1, sizeof(struct pet));
    o->name = "Alice";
    p->name = "Rex";
    o->pet = p;
    p->owner = o;
    print(o->pet->owner->pet->name); print_ln();
    print(p->owner->name); print_ln();
    print_int(p->owner->pet == p); print_ln();
    return 0;
}
