// Struct members of every kind; locals, globals and pointers.
#include "lib.h"
struct point {
    int x;
    int y;
};
struct mixed {
    char c;
    int i;
    char name[10];
    int* p;
    struct point at;
    struct point corners[2];
    char last;
};
struct mixed gm;
void move(struct point* p, int dx, int dy) {
    p->x = p->x + dx;
    p->y = p->y + dy;
}
int main() {
    struct point p;
    struct mixed m;
    struct mixed* mp = &m;
    int v = 77;
    p.x = 3;
    p.y = 4;
    move(&p, 10, 20);
    print_int(p.x); print(" "); print_int(p.y); print_ln();
    m.c = 'z';
    m.i = -5;
    m.name[0] = 'o'; m.name[1] = 'k'; m.name[2] = 0;
    m.p = &v;
    m.at.x = 1;
    m.at.y = 2;
    m.corners[1].y = 99;
    m.last = 'L';
    print_int(mp->c); print_ln();
    print_int(mp->i); print_ln();
    print(mp->name); print_ln();
    print_int(*mp->p); print_ln();
    print_int(mp->at.x + mp->at.y); print_ln();
    print_int(mp->corners[1].y); print_ln();
    print_int((*mp).last); print_ln();
    move(&mp->at, 5, 5);
    print_int(m.at.x); print(" "); print_int(m.at.y); print_ln();
    gm.corners[0].x = 12;
    print_int(gm.corners[0].x + gm.i); print_ln();
    print_int(sizeof(struct point)); print_ln();
    print_int(sizeof(struct mixed)); print_ln();
    print_int(sizeof(m.name)); print_ln();
    print_int(sizeof(m.corners)); print_ln();
    return 0;
}
