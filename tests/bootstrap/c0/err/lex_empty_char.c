// ERROR 2: bad character literal
int c = '';
