// ERROR 2: bad number
int x = 010;
