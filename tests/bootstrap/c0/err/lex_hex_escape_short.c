// ERROR 2: bad escape sequence
int c = '\x4';
