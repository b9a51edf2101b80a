// ERROR 4: invalid operands to '<<'
int main() {
    char* p = 0;
    return p << 1;
}
