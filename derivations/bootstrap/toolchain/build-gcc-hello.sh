# Compile and link a C program with the gcc stage, statically against musl,
# run it and check what it prints; twice:
#   hello        against musl-2, the musl gcc is configured with (its
#                sysroot). musl-2 was compiled by tcc, whose code calls tcc's
#                runtime for va_arg (__va_arg, in libtcc1.a): that archive
#                is linked too, in one group with libc.a.
#   hello-musl   against the musl rebuilt by gcc (--sysroot): nothing of
#                tcc is left in the program.
# Run by the busybox seed's shell (standalone applets, no PATH needed).
#
# Environment (set by the recipe; store paths only):
#   gcc       the gcc stage (bin/$target-gcc); target: its triplet
#   tcc       the static tcc (lib/tcc/libtcc1.a) that compiled musl-2
#   musl      the musl-gcc stage (include/, lib/)
#   binutils  the binutils stage (readelf, to check the programs are static)
#   out       bin/hello, bin/hello-musl and output.txt (what they printed)
#
# The program exercises the C library (strtod, snprintf with varargs,
# strcmp) and libgcc (a 128-bit division is a call to __udivti3 on x86_64).
set -eu

want="hello from gcc 42 6.250 262013"
mkdir -p /build/t
cd /build/t
cat > hello.c <<'SRC'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    char buf[80];
    volatile unsigned __int128 big = (unsigned __int128)1 << 100;
    volatile unsigned __int128 div = 1000000007;
    double d = strtod("2.5", NULL);
    snprintf(buf, sizeof buf, "hello from gcc %d %.3f %llu", 6 * 7, d * d,
             (unsigned long long)(big / div % 1000000));
    puts(buf);
    return strcmp(buf, "hello from gcc 42 6.250 262013") != 0;
}
SRC
cc="$gcc/bin/$target-gcc"
"$cc" -O2 -static -o hello hello.c \
    -Wl,--start-group -lc "$tcc/lib/tcc/libtcc1.a" -Wl,--end-group
"$cc" --sysroot="$musl" -O2 -static -o hello-musl hello.c

for prog in hello hello-musl; do
    got=$(./$prog)
    if [ "$got" != "$want" ]; then
        echo "build-gcc-hello: $prog printed: $got" >&2
        exit 1
    fi
    if "$binutils/bin/readelf" -l $prog | grep -q INTERP; then
        echo "build-gcc-hello: $prog has an ELF interpreter (not static)" >&2
        exit 1
    fi
done
mkdir -p "$out/bin"
cp hello hello-musl "$out/bin/"
printf '%s\n' "$want" > "$out/output.txt"
