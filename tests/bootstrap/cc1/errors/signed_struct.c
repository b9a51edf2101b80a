// error: 3: signed, unsigned or long with a type that takes none
struct s { int a; };
unsigned struct s v;
int main() { return 0; }
