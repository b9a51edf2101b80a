// ERROR 4: duplicate label 'here'
int main() {
here:
here:
    return 0;
}
