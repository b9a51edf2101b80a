// ERROR 4: wrong number of arguments to 'f'
int f(int a) { return a; }
int main() {
    return f(1, 2);
}
