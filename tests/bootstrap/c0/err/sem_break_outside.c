// ERROR 3: break outside a loop
int main() {
    break;
}
