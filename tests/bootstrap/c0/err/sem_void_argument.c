// ERROR 5: void value used
void f() {}
int g(int x) { return x; }
int main() {
    return g(f());
}
