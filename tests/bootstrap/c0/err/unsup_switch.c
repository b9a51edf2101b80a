// ERROR 4: unsupported keyword 'switch'
int main() {
    int x = 1;
    switch (x) {
    }
}
