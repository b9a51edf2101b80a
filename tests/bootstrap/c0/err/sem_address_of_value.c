// ERROR 3: not an lvalue
int main() {
    int* p = &5;
}
