// ERROR 2: initializer must be a constant
int a[2] = {1, 2};
