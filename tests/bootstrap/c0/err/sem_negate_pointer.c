// ERROR 4: integer value expected
int main() {
    char* p = 0;
    return -p;
}
