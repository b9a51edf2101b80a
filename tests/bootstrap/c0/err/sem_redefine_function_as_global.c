// ERROR 3: redefinition of 'f'
int f() { return 2; }
int f;
