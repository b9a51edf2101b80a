// ERROR 5: undefined function 'main'
int helper() {
    return 1;
}
