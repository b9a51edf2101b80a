// ERROR 4: not an lvalue
int main() {
    int a;
    a + 1 = 2;
}
