// ERROR 5: incomplete type
struct opaque;
struct opaque* p;
int main() {
    return sizeof(*p);
}
