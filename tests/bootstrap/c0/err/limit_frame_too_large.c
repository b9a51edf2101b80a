// ERROR 4: object too large
int main() {
    char a[200000000];
    char b[200000000];
}
