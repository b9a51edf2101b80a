// ERROR 2: unsupported keyword 'static'
static int x;
