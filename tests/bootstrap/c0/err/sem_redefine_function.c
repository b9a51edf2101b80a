// ERROR 3: redefinition of 'f'
int f() { return 1; }
int f() { return 2; }
