// ERROR 3: redefinition of 'N'
// CONSTANT N 5
int N;
