// ERROR 4: not a struct or union
int main() {
    int x;
    return x.a;
}
