// ERROR 2: object too large
int a[2147483647];
