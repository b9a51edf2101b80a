// error: 2: string initializer for something that is not a char pointer or array
int x = "abc";
int main() { return 0; }
