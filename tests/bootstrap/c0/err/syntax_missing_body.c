// ERROR 2: expected '{'
int f() return 1;
