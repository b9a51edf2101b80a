// ERROR 4: redefinition of 'a'
int main() {
    int a;
    char a;
}
