// ERROR 3: scalar value expected
int main() {
    int a[2] = 0;
}
