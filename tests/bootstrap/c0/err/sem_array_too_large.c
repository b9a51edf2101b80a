// ERROR 2: array too large
int a[1000000000];
