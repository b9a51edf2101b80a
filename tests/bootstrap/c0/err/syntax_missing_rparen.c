// ERROR 3: expected ')'
int main() {
    if (1 {
    }
    return 0;
}
