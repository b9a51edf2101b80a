// error: 2: array size missing for g
int g[];
int main() { return 0; }
