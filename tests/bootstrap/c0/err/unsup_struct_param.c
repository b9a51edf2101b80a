// ERROR 3: struct values are not supported
struct s { int a; };
int f(struct s v);
