// error: 3: only scalars and char arrays can be initialized
struct s { int a; };
struct s v = 1;
int main() { return 0; }
