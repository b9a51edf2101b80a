// ERROR 3: expected an expression
int main() {
    else return 1;
}
