// ERROR 3: return with a value in a void function
void f() {
    return 1;
}
