// ERROR 4: expected ';'
int main() {
    int x = 1
    return x;
}
