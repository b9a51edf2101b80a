// ERROR 4: not an lvalue
// CONSTANT N 5
int main() {
    N = 3;
}
