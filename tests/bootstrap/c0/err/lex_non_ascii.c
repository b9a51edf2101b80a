// ERROR 3: invalid character
int main() {
    return 0; é
}
