// ERROR 2: bad CONSTANT line
// CONSTANT SIZE
int x;
