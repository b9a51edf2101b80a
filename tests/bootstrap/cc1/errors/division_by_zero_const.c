// error: 2: division by zero in a constant expression
int a[4 / 0];
int main() { return 0; }
