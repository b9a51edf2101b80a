// ERROR 3: expected a constant
int a = 1;
int b = a;
