// ERROR 3: struct definitions belong at the top level
int main() {
    struct s { int a; } v;
}
