// ERROR 3: unsupported keyword 'long'
int main() {
    long x;
}
