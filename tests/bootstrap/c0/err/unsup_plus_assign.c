// ERROR 4: unsupported operator '+='
int main() {
    int i = 0;
    i += 2;
}
