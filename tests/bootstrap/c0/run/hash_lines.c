// Every line starting with # is skipped by cc0 (gcc reads them).
#include <unistd.h>
#include "lib.h"
  #   define   INDENTED 1
#ifndef GUARD
#define GUARD
#endif
	#pragma once
/* a comment */ #define AFTER_COMMENT 1
int main() {
#if 1
    print("inside #if 1\n");
#endif
    # /* a hash line inside a function */
    print("x # not a directive\n");
    return 0;
}
