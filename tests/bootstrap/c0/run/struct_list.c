// A linked list of structs from calloc, with a pointer to its own type.
#include <stdlib.h>
#include "lib.h"
struct node {
    int value;
    struct node* next;
};
struct node* push(struct node* head, int v) {
    struct node* n = calloc(1, sizeof(struct node));
    n->value = v;
    n->next = head;
    return n;
}
struct node* reverse(struct node* head) {
    struct node* prev = 0;
    while (head != 0) {
        struct node* next = head->next;
        head->next = prev;
        prev = head;
        head = next;
    }
    return prev;
}
int main() {
    struct node* list = 0;
    struct node* n;
    int i;
    int sum = 0;
    for (i = 1; i <= 10; i = i + 1) {
        list = push(list, i * i);
    }
    for (n = list; n != 0; n = n->next) {
        print_int(n->value); print(" ");
        sum = sum + n->value;
    }
    print_ln();
    list = reverse(list);
    for (n = list; n; n = n->next) {
        print_int(n->value); print(" ");
    }
    print_ln();
    print_kv("sum", sum);
    print_int(list->next->next->value); print_ln();
    return 0;
}
