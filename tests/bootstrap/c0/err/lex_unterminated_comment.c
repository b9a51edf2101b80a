// ERROR 3: unterminated comment
int x;
/* open

int y;
