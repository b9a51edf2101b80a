// No line feed at the end of the file, and a comment last.
#include "lib.h"
int main() {
    print("no newline at end\n");
    return 0;
}
// the end