// ERROR 2: unsupported keyword 'extern'
extern int x;
