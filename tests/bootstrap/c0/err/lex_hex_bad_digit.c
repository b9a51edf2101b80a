// ERROR 2: bad number
int x = 0x1g;
