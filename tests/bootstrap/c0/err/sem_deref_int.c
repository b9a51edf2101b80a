// ERROR 4: not a pointer
int main() {
    int x = 1;
    return *x;
}
