// A hash table of strings to ints with chaining and resizing, used to
// count words and then queried, updated and deleted from.
#include <stdlib.h>
#include "lib.h"

struct entry {
    char* key;
    int value;
    struct entry* next;
};

struct table {
    struct entry** buckets;
    int size;
    int count;
    int resizes;
};

int hash(char* s) {
    int h = 5381;
    while (*s != 0) {
        h = (h * 33) ^ *s;
        s = s + 1;
    }
    return h & 2147483647;
}

int same(char* a, char* b) {
    while (*a != 0 && *a == *b) {
        a = a + 1;
        b = b + 1;
    }
    return *a == *b;
}

char* dup(char* s) {
    int n = str_len(s);
    char* d = calloc(n + 1, 1);
    int i;
    for (i = 0; i < n; i = i + 1) d[i] = s[i];
    return d;
}

struct table* table_new(int size) {
    struct table* t = calloc(1, sizeof(struct table));
    t->size = size;
    t->buckets = calloc(size, sizeof(struct entry*));
    return t;
}

struct entry* table_find(struct table* t, char* key) {
    struct entry* e = t->buckets[hash(key) % t->size];
    while (e != 0) {
        if (same(e->key, key)) return e;
        e = e->next;
    }
    return 0;
}

void table_grow(struct table* t) {
    struct entry** old = t->buckets;
    int old_size = t->size;
    int i;
    t->size = t->size * 2 + 1;
    t->buckets = calloc(t->size, sizeof(struct entry*));
    t->resizes = t->resizes + 1;
    for (i = 0; i < old_size; i = i + 1) {
        struct entry* e = old[i];
        while (e != 0) {
            struct entry* next = e->next;
            int b = hash(e->key) % t->size;
            e->next = t->buckets[b];
            t->buckets[b] = e;
            e = next;
        }
    }
    free(old);
}

void table_set(struct table* t, char* key, int value) {
    struct entry* e = table_find(t, key);
    int b;
    if (e != 0) {
        e->value = value;
        return;
    }
    if (t->count * 4 >= t->size * 3) table_grow(t);
    e = calloc(1, sizeof(struct entry));
    e->key = dup(key);
    e->value = value;
    b = hash(key) % t->size;
    e->next = t->buckets[b];
    t->buckets[b] = e;
    t->count = t->count + 1;
}

int table_get(struct table* t, char* key, int missing) {
    struct entry* e = table_find(t, key);
    if (e == 0) return missing;
    return e->value;
}

int table_delete(struct table* t, char* key) {
    int b = hash(key) % t->size;
    struct entry* e = t->buckets[b];
    struct entry* prev = 0;
    while (e != 0) {
        if (same(e->key, key)) {
            if (prev == 0) t->buckets[b] = e->next;
            else prev->next = e->next;
            t->count = t->count - 1;
            return 1;
        }
        prev = e;
        e = e->next;
    }
    return 0;
}

int longest_chain(struct table* t) {
    int best = 0;
    int i;
    for (i = 0; i < t->size; i = i + 1) {
        int n = 0;
        struct entry* e;
        for (e = t->buckets[i]; e != 0; e = e->next) n = n + 1;
        if (n > best) best = n;
    }
    return best;
}

// Entries sorted by key (insertion sort into an array), for stable output.
int key_less(char* a, char* b) {
    while (*a != 0 && *a == *b) {
        a = a + 1;
        b = b + 1;
    }
    return *a < *b;
}

void dump(struct table* t) {
    struct entry** all = calloc(t->count, sizeof(struct entry*));
    int n = 0;
    int i;
    for (i = 0; i < t->size; i = i + 1) {
        struct entry* e;
        for (e = t->buckets[i]; e != 0; e = e->next) {
            int j = n;
            while (j > 0 && key_less(e->key, all[j - 1]->key)) {
                all[j] = all[j - 1];
                j = j - 1;
            }
            all[j] = e;
            n = n + 1;
        }
    }
    for (i = 0; i < n; i = i + 1) {
        print(all[i]->key);
        print(" ");
        print_int(all[i]->value);
        print_ln();
    }
}

void count_words(struct table* t, char* text) {
    char word[32];
    int len = 0;
    while (1) {
        char c = *text;
        if (c >= 'A' && c <= 'Z') c = c + 32;
        if (c >= 'a' && c <= 'z') {
            if (len < 31) {
                word[len] = c;
                len = len + 1;
            }
        } else {
            if (len > 0) {
                word[len] = 0;
                table_set(t, word, table_get(t, word, 0) + 1);
                len = 0;
            }
            if (c == 0) return;
        }
        text = text + 1;
    }
}

int main() {
    struct table* t = table_new(3);
    char key[8];
    int i;
    count_words(t, "The quick brown fox jumps over the lazy dog. The dog sleeps; the fox runs.");
    count_words(t, "A fox, a dog, and THE end.");
    dump(t);
    print_kv("count", t->count);
    print_kv("resizes", t->resizes);
    print_kv("the", table_get(t, "the", -1));
    print_kv("cat", table_get(t, "cat", -1));
    print_kv("delete fox", table_delete(t, "fox"));
    print_kv("delete fox again", table_delete(t, "fox"));
    print_kv("fox", table_get(t, "fox", -1));
    for (i = 0; i < 500; i = i + 1) {
        key[0] = 'k';
        key[1] = 'a' + i % 26;
        key[2] = 'a' + (i / 26) % 26;
        key[3] = '0' + i % 7;
        key[4] = 0;
        table_set(t, key, i);
    }
    print_kv("count", t->count);
    print_kv("size", t->size);
    print_kv("resizes", t->resizes);
    print_kv("longest chain", longest_chain(t) < 10);
    print_kv("kzt5", table_get(t, "kzt5", -1));
    for (i = 0; i < 500; i = i + 2) {
        key[0] = 'k';
        key[1] = 'a' + i % 26;
        key[2] = 'a' + (i / 26) % 26;
        key[3] = '0' + i % 7;
        key[4] = 0;
        table_delete(t, key);
    }
    print_kv("count", t->count);
    print_kv("kab1", table_get(t, "kab1", -1));
    print_kv("kbb0", table_get(t, "kbb0", -1));
    return 0;
}
