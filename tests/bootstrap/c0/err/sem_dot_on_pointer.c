// ERROR 5: not a struct or union
struct s { int a; };
int main() {
    struct s* p = 0;
    return p.a;
}
