// ERROR 3: unsupported keyword 'double'
int main() {
    double d;
}
