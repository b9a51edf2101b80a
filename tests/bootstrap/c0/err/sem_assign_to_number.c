// ERROR 3: not an lvalue
int main() {
    1 = 2;
}
