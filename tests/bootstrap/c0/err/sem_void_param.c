// ERROR 2: variable has void type
int f(void v);
