// ERROR 6: undefined name 'inner'
int main() {
    {
        int inner = 1;
    }
    return inner;
}
