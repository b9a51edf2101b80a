// ERROR 3: redefinition of 'x'
int x;
int x;
