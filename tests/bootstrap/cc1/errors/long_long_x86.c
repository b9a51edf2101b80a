// error: 3: long long is not supported on x86
// arch: x86
long long big;
int main() { return 0; }
