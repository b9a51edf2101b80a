// Writing through char pointers: byte stores do not touch neighbours.
#include "lib.h"
int main() {
    int words[2];
    char* p;
    int i;
    words[0] = 0;
    words[1] = -1;
    p = "ABCD";
    print_kv("p[3]", p[3]);
    {
        char buf[8];
        for (i = 0; i < 8; i = i + 1) buf[i] = 7;
        buf[3] = 300;
        print_kv("buf[2]", buf[2]);
        print_kv("buf[3]", buf[3]);
        print_kv("buf[4]", buf[4]);
    }
    print_kv("words[1]", words[1]);
    return 0;
}
