// ERROR 4: function used as a value 'f'
int f() { return 1; }
int main() {
    return f + 1;
}
