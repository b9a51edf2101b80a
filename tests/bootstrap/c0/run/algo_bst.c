// A binary search tree: insert, find, delete, in-order walk, height.
#include <stdlib.h>
#include "lib.h"
struct node {
    int key;
    int count;
    struct node* left;
    struct node* right;
};
struct node* insert(struct node* t, int key) {
    if (t == 0) {
        t = calloc(1, sizeof(struct node));
        t->key = key;
        t->count = 1;
        return t;
    }
    if (key < t->key) t->left = insert(t->left, key);
    else if (key > t->key) t->right = insert(t->right, key);
    else t->count = t->count + 1;
    return t;
}
struct node* find(struct node* t, int key) {
    while (t != 0 && t->key != key) {
        if (key < t->key) t = t->left;
        else t = t->right;
    }
    return t;
}
struct node* delete(struct node* t, int key) {
    struct node* m;
    if (t == 0) return 0;
    if (key < t->key) { t->left = delete(t->left, key); return t; }
    if (key > t->key) { t->right = delete(t->right, key); return t; }
    if (t->left == 0) return t->right;
    if (t->right == 0) return t->left;
    m = t->right;
    while (m->left != 0) m = m->left;
    t->key = m->key;
    t->count = m->count;
    t->right = delete(t->right, m->key);
    return t;
}
int height(struct node* t) {
    int l;
    int r;
    if (t == 0) return 0;
    l = height(t->left);
    r = height(t->right);
    if (l > r) return l + 1;
    return r + 1;
}
void walk(struct node* t) {
    if (t == 0) return;
    walk(t->left);
    print_int(t->key);
    if (t->count > 1) { print("x"); print_int(t->count); }
    print(" ");
    walk(t->right);
}
int main() {
    struct node* t = 0;
    int i;
    int v = 7;
    for (i = 0; i < 40; i = i + 1) {
        v = (v * 37 + 11) % 101;
        t = insert(t, v);
    }
    walk(t); print_ln();
    print_kv("height", height(t));
    print_kv("find 48", find(t, 48) != 0);
    print_kv("find 1000", find(t, 1000) != 0);
    for (i = 0; i < 101; i = i + 3) t = delete(t, i);
    walk(t); print_ln();
    print_kv("height", height(t));
    return 0;
}
