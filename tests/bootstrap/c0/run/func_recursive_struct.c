// Recursive functions over structs: a trie of words.
#include <stdlib.h>
#include "lib.h"
struct trie {
    struct trie* child[26];
    int count;
};
void insert(struct trie* t, char* w) {
    if (*w == 0) {
        t->count = t->count + 1;
        return;
    }
    if (t->child[*w - 'a'] == 0) t->child[*w - 'a'] = calloc(1, sizeof(struct trie));
    insert(t->child[*w - 'a'], w + 1);
}
int total(struct trie* t) {
    int i;
    int n;
    if (t == 0) return 0;
    n = t->count;
    for (i = 0; i < 26; i = i + 1) n = n + total(t->child[i]);
    return n;
}
char buf[32];
void walk(struct trie* t, int depth) {
    int i;
    if (t->count) {
        buf[depth] = 0;
        print(buf);
        print(":");
        print_int(t->count);
        print(" ");
    }
    for (i = 0; i < 26; i = i + 1) {
        if (t->child[i]) {
            buf[depth] = 'a' + i;
            walk(t->child[i], depth + 1);
        }
    }
}
int main() {
    struct trie* root = calloc(1, sizeof(struct trie));
    insert(root, "tea"); insert(root, "ten"); insert(root, "to"); insert(root, "tea");
    insert(root, "inn"); insert(root, "in"); insert(root, "a"); insert(root, "ten");
    walk(root, 0);
    print_ln();
    print_kv("total", total(root));
    return 0;
}
