// A ring-buffer queue and a growable stack of structs.
#include <stdlib.h>
#include "lib.h"
struct queue {
    int items[8];
    int head;
    int count;
};
struct frame {
    int id;
    char* name;
};
struct stack {
    struct frame* items;
    int count;
    int cap;
};
int enqueue(struct queue* q, int v) {
    if (q->count == 8) return 0;
    q->items[(q->head + q->count) % 8] = v;
    q->count = q->count + 1;
    return 1;
}
int dequeue(struct queue* q) {
    int v = q->items[q->head];
    q->head = (q->head + 1) % 8;
    q->count = q->count - 1;
    return v;
}
void push(struct stack* s, int id, char* name) {
    if (s->count == s->cap) {
        struct frame* bigger = calloc(s->cap * 2 + 1, sizeof(struct frame));
        int i;
        for (i = 0; i < s->count; i = i + 1) {
            bigger[i].id = s->items[i].id;
            bigger[i].name = s->items[i].name;
        }
        s->items = bigger;
        s->cap = s->cap * 2 + 1;
    }
    s->items[s->count].id = id;
    s->items[s->count].name = name;
    s->count = s->count + 1;
}
struct frame* pop(struct stack* s) {
    s->count = s->count - 1;
    return &s->items[s->count];
}
int main() {
    struct queue q;
    struct stack s;
    int i;
    int rejected = 0;
    q.head = 0;
    q.count = 0;
    for (i = 0; i < 20; i = i + 1) {
        if (!enqueue(&q, i * i)) rejected = rejected + 1;
        if (i % 3 == 0) {
            print_int(dequeue(&q));
            print(" ");
        }
    }
    print_ln();
    print_kv("rejected", rejected);
    while (q.count > 0) {
        print_int(dequeue(&q));
        print(" ");
    }
    print_ln();
    s.items = 0;
    s.count = 0;
    s.cap = 0;
    for (i = 0; i < 50; i = i + 1) {
        if (i % 2) push(&s, i, "odd");
        else push(&s, i, "even");
    }
    print_kv("cap", s.cap);
    while (s.count > 45) {
        struct frame* f = pop(&s);
        print_int(f->id);
        print(f->name);
        print(" ");
    }
    print_ln();
    return 0;
}
