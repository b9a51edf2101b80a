// error: 2: CONSTANT needs a value
// CONSTANT LONELY
int main() { return 0; }
