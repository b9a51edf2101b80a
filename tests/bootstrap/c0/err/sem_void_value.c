// ERROR 4: void value used
void f() {}
int main() {
    return f() + 1;
}
