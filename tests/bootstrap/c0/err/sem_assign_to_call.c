// ERROR 4: not an lvalue
int f() { return 0; }
int main() {
    f() = 2;
}
