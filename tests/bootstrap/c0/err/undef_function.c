// ERROR 3: undefined function 'helper'
int main() {
    helper(1);
    return 0;
}
