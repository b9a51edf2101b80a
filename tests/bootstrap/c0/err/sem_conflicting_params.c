// ERROR 3: conflicting declaration of 'f'
int f(int a);
int f(int a, int b) { return a; }
