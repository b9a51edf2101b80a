// ERROR 3: conflicting declaration of 'f'
int f();
char* f() { return 0; }
