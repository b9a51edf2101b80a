// ERROR 3: redefinition of 'f'
int f;
int f() { return 2; }
