// Separate name spaces: struct tags, members, labels and variables may
// share names; the same label in two functions.
#include "lib.h"
struct node {
    int node;
    struct node* next;
};
int next;
int f(int n) {
    goto done;
    n = 100;
done:
    return n + 1;
}
int g(int n) {
    if (n > 5) goto done;
    n = n * 2;
done:
    return n;
}
int main() {
    struct node node;
    int done = 7;
    node.node = 3;
    node.next = &node;
    next = 4;
    print_kv("node", node.next->next->node + next);
    print_kv("f", f(1));
    print_kv("g", g(3) + g(10));
    goto done;
done:
    print_kv("done", done);
    return 0;
}
