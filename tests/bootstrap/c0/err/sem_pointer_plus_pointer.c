// ERROR 4: invalid operands to '+'
int main() {
    int* p = 0;
    p = p + p;
}
