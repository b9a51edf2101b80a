// ERROR 2: bad escape sequence
char* s = "\xg";
