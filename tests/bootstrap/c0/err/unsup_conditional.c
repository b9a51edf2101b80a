// ERROR 3: unsupported operator '?'
int main() {
    return 1 ? 2 : 3;
}
