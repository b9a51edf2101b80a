// ERROR 2: unsupported keyword 'short'
int f(short s);
