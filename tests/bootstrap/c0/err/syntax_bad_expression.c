// ERROR 3: expected an expression
int main() {
    return 1 + ;
}
