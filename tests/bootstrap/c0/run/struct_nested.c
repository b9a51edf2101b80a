// Structs inside structs inside arrays: long access chains and the
// address of inner members.
#include "lib.h"
struct inner {
    char tag;
    int values[3];
};
struct middle {
    int id;
    struct inner in[2];
    struct inner* link;
};
struct outer {
    struct middle m[3];
    int count;
};
struct outer o;
void bump(int* p) {
    *p = *p + 1000;
}
int main() {
    int i;
    int j;
    int k;
    for (i = 0; i < 3; i = i + 1) {
        o.m[i].id = i;
        for (j = 0; j < 2; j = j + 1) {
            o.m[i].in[j].tag = 'a' + i * 2 + j;
            for (k = 0; k < 3; k = k + 1) o.m[i].in[j].values[k] = i * 100 + j * 10 + k;
        }
        o.m[i].link = &o.m[(i + 1) % 3].in[1];
    }
    o.count = 3;
    print_kv("deep", o.m[2].in[1].values[2]);
    print_kv("link", o.m[0].link->values[0]);
    print_kv("link tag", o.m[2].link->tag);
    bump(&o.m[1].in[0].values[1]);
    print_kv("bumped", o.m[1].in[0].values[1]);
    print_kv("chain", o.m[o.m[1].id].link->values[o.count - 1]);
    print_kv("sizeof inner", sizeof(struct inner));
    print_kv("sizeof middle", sizeof(struct middle));
    print_kv("sizeof outer", sizeof(o));
    return 0;
}
