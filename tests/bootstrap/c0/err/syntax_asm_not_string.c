// ERROR 3: expected a string
int main() {
    asm("nop", 5);
}
