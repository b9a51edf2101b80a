// ERROR 4: not a function 'f'
int main() {
    int f = 1;
    return f(2);
}
