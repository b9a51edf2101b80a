// ERROR 4: not a function 'g'
int g;
int main() {
    return g();
}
