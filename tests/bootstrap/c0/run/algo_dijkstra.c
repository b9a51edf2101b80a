// Shortest paths with Dijkstra's algorithm on an adjacency-list graph.
#include <stdlib.h>
#include "lib.h"
struct edge {
    int to;
    int weight;
    struct edge* next;
};
struct graph {
    int n;
    struct edge** adj;
};
void add_edge(struct graph* g, int a, int b, int w) {
    struct edge* e = calloc(1, sizeof(struct edge));
    e->to = b;
    e->weight = w;
    e->next = g->adj[a];
    g->adj[a] = e;
}
void shortest(struct graph* g, int src, int* dist, int* prev) {
    char* done = calloc(g->n, 1);
    int i;
    for (i = 0; i < g->n; i = i + 1) {
        dist[i] = 2147483647;
        prev[i] = -1;
    }
    dist[src] = 0;
    while (1) {
        int best = -1;
        struct edge* e;
        for (i = 0; i < g->n; i = i + 1)
            if (!done[i] && dist[i] != 2147483647 && (best < 0 || dist[i] < dist[best])) best = i;
        if (best < 0) return;
        done[best] = 1;
        for (e = g->adj[best]; e != 0; e = e->next) {
            if (dist[best] + e->weight < dist[e->to]) {
                dist[e->to] = dist[best] + e->weight;
                prev[e->to] = best;
            }
        }
    }
}
void path(int* prev, int v) {
    if (prev[v] >= 0) {
        path(prev, prev[v]);
        print("->");
    }
    print_int(v);
}
int main() {
    struct graph g;
    int dist[9];
    int prev[9];
    int i;
    g.n = 9;
    g.adj = calloc(9, sizeof(struct edge*));
    add_edge(&g, 0, 1, 4); add_edge(&g, 0, 7, 8); add_edge(&g, 1, 2, 8); add_edge(&g, 1, 7, 11);
    add_edge(&g, 2, 3, 7); add_edge(&g, 2, 8, 2); add_edge(&g, 2, 5, 4); add_edge(&g, 3, 4, 9);
    add_edge(&g, 3, 5, 14); add_edge(&g, 4, 5, 10); add_edge(&g, 5, 6, 2); add_edge(&g, 6, 7, 1);
    add_edge(&g, 6, 8, 6); add_edge(&g, 7, 8, 7); add_edge(&g, 8, 6, 1);
    shortest(&g, 0, dist, prev);
    for (i = 0; i < 9; i = i + 1) {
        print_int(i); print(": "); print_int(dist[i]); print("  ");
        path(prev, i);
        print_ln();
    }
    return 0;
}
