// ERROR 2: number too large
int x = 0x100000000;
