// ERROR 2: expected ';'
int a = 1 + 2;
