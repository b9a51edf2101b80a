// ERROR 2: unsupported operator '...'
int f(int a, ...);
