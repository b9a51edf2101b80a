// ERROR 3: expected an identifier
int main() {
    int = 5;
}
