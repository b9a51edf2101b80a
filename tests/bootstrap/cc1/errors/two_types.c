// error: 2: two types in one declaration
char void x;
int main() { return 0; }
