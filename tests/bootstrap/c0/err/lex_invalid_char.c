// ERROR 3: invalid character
int main() {
    return 1 @ 2;
}
