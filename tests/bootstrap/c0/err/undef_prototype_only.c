// ERROR 4: undefined function 'helper'
int helper(int x);
int main() {
    return helper(1);
}
