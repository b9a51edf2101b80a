// Calls as indexes, as members' bases, in conditions and nested in calls.
#include "lib.h"
struct box {
    int v[4];
};
struct box boxes[3];
int idx(int i) {
    return i % 4;
}
struct box* get(int i) {
    return &boxes[i];
}
int add(int a, int b) {
    return a + b;
}
int main() {
    int i;
    for (i = 0; i < 12; i = i + 1) get(i / 4)->v[idx(i)] = i * i;
    print_kv("a", get(2)->v[idx(7)]);
    print_kv("b", boxes[idx(5)].v[add(1, 2)]);
    print_kv("c", add(add(1, add(2, 3)), add(get(1)->v[0], idx(11))));
    if (add(1, -1)) print("never\n");
    else print_kv("d", add(get(0)->v[3], 1));
    return 0;
}
