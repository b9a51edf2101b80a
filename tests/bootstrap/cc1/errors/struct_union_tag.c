// error: 3: struct and union with the same name
struct u { int a; };
union u v;
int main() { return 0; }
