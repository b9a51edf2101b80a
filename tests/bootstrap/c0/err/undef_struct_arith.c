// ERROR 5: incomplete type
struct opaque;
int main() {
    struct opaque* p = 0;
    p = p + 1;
}
