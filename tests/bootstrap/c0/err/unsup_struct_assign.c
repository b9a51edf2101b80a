// ERROR 6: scalar value expected
struct s { int a; };
int main() {
    struct s a;
    struct s b;
    a = b;
}
