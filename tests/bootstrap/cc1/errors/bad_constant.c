// error: 2: bad CONSTANT value
// CONSTANT NAME twelve
int main() { return 0; }
