// error: 2: conditional directives are not supported
#ifdef X
int x;
#endif
int main() { return 0; }
