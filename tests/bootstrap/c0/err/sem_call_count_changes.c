// ERROR 4: wrong number of arguments to 'later'
int main() {
    later(1);
    later(1, 2);
}
int later(int a) { return a; }
