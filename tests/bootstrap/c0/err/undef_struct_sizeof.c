// ERROR 4: incomplete type
struct opaque;
int main() {
    return sizeof(struct opaque);
}
