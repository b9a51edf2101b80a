// ERROR 2: invalid character
int x; # not at the start
