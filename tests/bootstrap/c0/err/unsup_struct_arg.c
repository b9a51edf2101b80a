// ERROR 6: struct value used
struct s { int a; };
int f(int x);
int main() {
    struct s a;
    return f(a);
}
