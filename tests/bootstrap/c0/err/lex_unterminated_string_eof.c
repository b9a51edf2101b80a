// ERROR 2: unterminated string
char* s = "abc