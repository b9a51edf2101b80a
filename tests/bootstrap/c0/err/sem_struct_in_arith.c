// ERROR 5: struct value used
struct s { int a; };
int main() {
    struct s v;
    return v + 1;
}
