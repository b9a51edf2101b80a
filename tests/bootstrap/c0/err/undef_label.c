// ERROR 3: undefined label 'nowhere'
int main() {
    goto nowhere;
    return 0;
}
