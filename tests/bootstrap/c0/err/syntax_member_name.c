// ERROR 5: expected an identifier
struct s { int a; };
int main() {
    struct s v;
    return v.5;
}
