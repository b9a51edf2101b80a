// ERROR 4: expected ';'
int main() {
    int a;
    a = 1, 2;
}
