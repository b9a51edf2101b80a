// error: 2: string initializer longer than its array
char buf[3] = "abcd";
int main() { return 0; }
