// ERROR 3: array size must be a positive constant
int main() {
    int a[-3];
}
