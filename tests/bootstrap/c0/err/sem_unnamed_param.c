// ERROR 2: parameter name missing
int f(int) {
    return 0;
}
