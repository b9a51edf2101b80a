// ERROR 4: expected an expression
int main() {
    return 0;
