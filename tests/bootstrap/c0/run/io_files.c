// open, read, close; errors come back as -1.
#include <unistd.h>
#include <fcntl.h>
#include "lib.h"
int main() {
    char buf[16];
    int fd = open("/nonexistent/file", 0, 0);
    print_kv("missing", fd);
    fd = open("/proc/self/stat", 0, 0);
    print_kv("opened", fd >= 0);
    print_kv("read", read(fd, buf, 1) == 1);
    print_kv("close", close(fd));
    print_kv("close again", close(fd));
    print_kv("bad write", write(99, "x", 1));
    print_kv("bad read", read(-1, buf, 1));
    return 0;
}
