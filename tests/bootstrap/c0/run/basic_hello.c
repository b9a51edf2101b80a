// write() from the runtime (libc for gcc).
#include <unistd.h>
int main() {
    write(1, "Hello, C0!\n", 11);
    return 0;
}
