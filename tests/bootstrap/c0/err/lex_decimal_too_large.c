// ERROR 2: number too large
int x = 2147483648;
