// ERROR 3: variable has void type
int main() {
    void v;
}
