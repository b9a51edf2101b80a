// error: 2: negative array size
int a[-1];
int main() { return 0; }
