// ERROR 5: no member named 'b'
struct s { int a; };
int main() {
    struct s v;
    return v.b;
}
