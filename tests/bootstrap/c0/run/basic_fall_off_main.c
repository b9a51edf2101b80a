// Falling off the end of main returns 0 (C99).
#include "lib.h"
int main() {
    print("no return statement\n");
}
