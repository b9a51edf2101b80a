// ERROR 6: undefined name 'p'
int f(int p) {
    return p;
}
int main() {
    return p;
}
