// error: 2: unterminated comment
/* never closed
int main() { return 0; }
