// error: 3: second initializer for x
int x = 1;
int x = 2;
int main() { return 0; }
