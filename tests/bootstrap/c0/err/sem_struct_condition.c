// ERROR 5: struct value used
struct s { int a; };
int main() {
    struct s v;
    if (v) return 1;
}
