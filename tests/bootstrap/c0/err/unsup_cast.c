// ERROR 4: casts are not supported
int main() {
    char* p = 0;
    return (int) p;
}
