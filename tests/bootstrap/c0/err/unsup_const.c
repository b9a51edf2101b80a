// ERROR 2: unsupported keyword 'const'
int f(const char* s);
