// ERROR 2: expected ';'
int a, b;
