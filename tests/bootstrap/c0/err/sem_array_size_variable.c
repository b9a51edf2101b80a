// ERROR 4: expected a constant
int main() {
    int n = 3;
    int a[n];
}
