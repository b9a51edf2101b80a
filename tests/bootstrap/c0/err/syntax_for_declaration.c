// ERROR 3: declarations in for are not supported
int main() {
    for (int i = 0; i < 3; i = i + 1) {}
}
