// main's result is the exit status.
int main() {
    return 42;
}
