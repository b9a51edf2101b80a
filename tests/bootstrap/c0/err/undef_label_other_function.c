// ERROR 7: undefined label 'here'
void f() {
here:
    return;
}
int main() {
    goto here;
}
