// ERROR 2: expected ']'
int a[3;
