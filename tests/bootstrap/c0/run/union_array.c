// Arrays of tagged unions: a tiny expression tree evaluator.
#include <stdlib.h>
#include "lib.h"
struct node;
struct binary {
    int op;
    struct node* left;
    struct node* right;
};
union payload {
    int number;
    struct binary bin;
};
struct node {
    int kind;
    union payload p;
};
struct node pool[20];
int used;
struct node* num(int v) {
    struct node* n = &pool[used];
    used = used + 1;
    n->kind = 0;
    n->p.number = v;
    return n;
}
struct node* op(int o, struct node* l, struct node* r) {
    struct node* n = &pool[used];
    used = used + 1;
    n->kind = 1;
    n->p.bin.op = o;
    n->p.bin.left = l;
    n->p.bin.right = r;
    return n;
}
int eval(struct node* n) {
    int a;
    int b;
    if (n->kind == 0) return n->p.number;
    a = eval(n->p.bin.left);
    b = eval(n->p.bin.right);
    if (n->p.bin.op == '+') return a + b;
    if (n->p.bin.op == '-') return a - b;
    if (n->p.bin.op == '*') return a * b;
    return a / b;
}
void show(struct node* n) {
    if (n->kind == 0) {
        print_int(n->p.number);
        return;
    }
    print("(");
    show(n->p.bin.left);
    print_char(n->p.bin.op);
    show(n->p.bin.right);
    print(")");
}
int main() {
    struct node* e = op('*', op('+', num(3), num(4)), op('-', num(10), op('/', num(9), num(3))));
    show(e);
    print(" = ");
    print_int(eval(e));
    print_ln();
    print_kv("nodes", used);
    print_kv("sizeof", sizeof(union payload) == sizeof(struct binary));
    return 0;
}
