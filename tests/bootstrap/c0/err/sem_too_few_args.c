// ERROR 4: wrong number of arguments to 'f'
int f(int a, int b);
int main() {
    return f(1);
}
