// ERROR 3: undefined name 'nothere'
int main() {
    nothere = 1;
}
