// ERROR 2: object too large
int a[1000000000];
