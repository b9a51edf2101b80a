// ERROR 5: scalar value expected
int main() {
    int a[2];
    int b[2];
    a = b;
}
