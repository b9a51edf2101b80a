// ERROR 2: invalid character
int $x;
