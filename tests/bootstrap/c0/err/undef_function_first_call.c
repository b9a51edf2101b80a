// ERROR 4: undefined function 'a'
int b();
int main() {
    a();
    b();
    return 0;
}
int x() { return b(); }
