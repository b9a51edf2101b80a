// ERROR 2: array size must be a positive constant
int a[0];
