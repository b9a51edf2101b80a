// ERROR 3: expected a type
int x;
x = 5;
