// ERROR 5: no member named 'zz'
struct s { int a; };
int main() {
    struct s* p = 0;
    return p->zz;
}
