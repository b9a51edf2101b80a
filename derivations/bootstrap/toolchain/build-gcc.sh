# Build gcc 12.2.0 (C only, Debian's source) with the g++-12 seed: a compiler
# whose programs run on glibc's static libc and whose target is musl.
# Run by the busybox seed's shell (standalone applets, no PATH needed).
#
# Environment (set by the recipe; store paths only):
#   src       gcc-12_12.2.0.orig.tar.gz (Debian's wrapper around the DFSG tarball)
#   inner     the member of $src that holds gcc itself
#   gmp, mpfr, mpc   their orig tarballs, built in-tree (static, C only)
#   seed      the g++-12 seed (g++, gcc, libstdc++.a, the seed's binutils)
#   glibc     the glibc seed's dev output (a sysroot): its libc.a is linked
#   glibc_lib its lib output: its loader runs the seed
#   binutils  the binutils stage: the target's as, ld, ar, nm...
#   make      the make stage (bin/make)
#   musl      the musl the new gcc targets (headers, crt objects, libc.a)
#   busybox   the busybox binary
#   check     build-gcc-check.sh (fails if the output names a seed)
#   out       install prefix: bin/x86_64-linux-musl-gcc (and gcc, cc),
#             libexec/gcc/.../{cc1,collect2}, lib/gcc/.../{libgcc.a,crt*.o}
#
# --target=x86_64-linux-musl: gcc's configuration for a *-musl triplet
# (musl's dynamic linker name, its headers' quirks) applies, while the build
# and host stay x86_64-pc-linux-gnu, which is what the seed compiles for.
# musl is the sysroot (headers in $musl/include, so
# --with-native-system-header-dir=/include; crt objects and libc.a in
# $musl/lib); as and ld are binutils', named by absolute path. These store
# paths are all the new compiler refers to, besides itself.
set -eu

triple=x86_64-linux-gnu
target=x86_64-linux-musl
ldso=$glibc_lib/lib/$triple/ld-linux-x86-64.so.2
# The seed is dynamically linked and names /lib64 as its interpreter, which
# the sandbox lacks: it runs through the glibc seed's loader (see build-tcc.sh).
lp=$glibc_lib/lib/$triple:$seed/usr/lib/$triple:$seed/lib/$triple
run="$ldso --library-path $lp"

bin=/build/bin
wrap=/build/wrap
mkdir -p "$bin" "$wrap"
"$busybox" --install -s "$bin"
export PATH="$bin" SHELL="$bin/sh" CONFIG_SHELL="$bin/sh"

# tool NAME COMMAND...: a script in /build/bin or /build/wrap running COMMAND "$@".
tool() {
    name=$1
    shift
    printf '#!%s/sh\nexec %s "$@"\n' "$bin" "$*" > "$name"
    chmod 755 "$name"
}

# The seed's cc1, cc1plus, as and ld, run through the loader; the driver
# finds them with -B. collect2 only forwards to ld for these links.
tool $wrap/cc1 "$run $seed/usr/lib/gcc/$triple/12/cc1"
tool $wrap/cc1plus "$run $seed/usr/lib/gcc/$triple/12/cc1plus"
tool $wrap/as "$run $seed/usr/bin/$triple-as"
tool $wrap/collect2 "$run $seed/usr/bin/$triple-ld.bfd"
# gcc and g++ for the build and host programs. Everything they link is
# static (glibc's libc.a, the seed's libstdc++.a and libgcc): the programs
# installed refer to no seed path, and the generator programs run during
# the build need no loader either. The seed's libstdc++ headers are named
# explicitly: its g++ would look for them under the glibc sysroot.
# -fno-builtin: gcc may expand the copy of a constant string into immediate
# stores, which could split this output's own path (see build-tcc.sh).
cxxinc="-isystem $seed/usr/include/c++/12 -isystem $seed/usr/include/$triple/c++/12"
hostcc="--sysroot=$glibc -B$wrap/ -static -fno-builtin"
tool $bin/gcc "$run $seed/usr/bin/$triple-gcc-12 $hostcc"
tool $bin/g++ "$run $seed/usr/bin/$triple-g++-12 $hostcc $cxxinc"
# Busybox's sh runs its own applet before a PATH entry of the same name, and
# its ar only extracts: the host archiver gets another name.
tool $bin/host-ar "$run $seed/usr/bin/$triple-ar"
tool $bin/host-ranlib "$run $seed/usr/bin/$triple-ranlib"
# The target's archives are written with D (zero dates, uids and modes):
# binutils' ar is not configured to be deterministic by default. (Named by
# absolute path: gcc's configure ignores a bare AR_FOR_TARGET name and
# looks for $target-ar instead.)
printf '#!%s/sh\nop=$1\nshift\nexec %s/bin/ar "${op}D" "$@"\n' "$bin" "$binutils" \
    > $bin/target-ar
tool $bin/target-ranlib "$binutils/bin/ranlib -D"
# Configure scripts run `make` from PATH (libcpp's dependency-style check
# fails without one); GNU make's default shell, /bin/sh, does not exist here.
tool $bin/make "$make/bin/make SHELL=$bin/sh"
chmod 755 $bin/target-ar

mkdir -p /build/src
cd /build/src
tar -xzf "$src" "$inner"
# Of the DFSG tarball's 121,000 files, 113,000 are test suites and the
# runtime libraries and Ada front end not built here (libstdc++, libgo...).
# Extract the rest by naming entries at depth 2 (and 3 under gcc/), as
# build-binutils.sh does. gcc/testsuite/selftests is kept: cc1 runs its
# self-tests on those files as part of the build. (The other front ends'
# directories stay: the C build reads their target hooks and tree codes.)
tar -tJf "$inner" | awk -F/ '{
    n = ($2 == "gcc") ? 3 : 2
    if (NF < n || $n == "") next
    p = $1; for (i = 2; i <= n; i++) p = p "/" $i
    print p
}' | sort -u | grep -v -E '^gcc-12.2.0/(gcc/(testsuite|ada)|libstdc\+\+-v3|libgo|libphobos|libgfortran|libsanitizer|libgomp|libada|gnattools|gotools|liboffloadmic|libobjc|lto-plugin|libcc1)$' \
    > keep.list
echo gcc-12.2.0/gcc/testsuite/selftests >> keep.list
# shellcheck disable=SC2046 # one word per entry on purpose
tar -xJf "$inner" $(cat keep.list)
rm -f "$inner"
cd gcc-12.2.0
# gcc builds these in-tree when it finds them under these names.
tar -xJf "$gmp"
mv gmp-6.2.1 gmp
# MPFR's and MPC's release tarballs are pre-POSIX (v7) tar files, without
# the "ustar" magic, which busybox's tar refuses ("invalid tar magic"). A
# few lines of C, compiled by the seed, extract them (regular files,
# directories, symbolic links; modes and dates kept, as make needs
# configure to stay newer than configure.ac).
cat > /build/untar-v7.c <<'EOF'
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

static unsigned long long octal(const char *p, int n)
{
    unsigned long long v = 0;
    for (int i = 0; i < n && p[i]; i++)
        if (p[i] >= '0' && p[i] <= '7')
            v = v * 8 + (unsigned long long)(p[i] - '0');
    return v;
}

int main(void)
{
    char h[512], block[512], name[101], link[101];
    while (fread(h, 1, 512, stdin) == 512 && h[0]) {
        memcpy(name, h, 100);
        name[100] = 0;
        memcpy(link, h + 157, 100);
        link[100] = 0;
        unsigned long long size = octal(h + 124, 12);
        struct utimbuf t = {(time_t)octal(h + 136, 12), (time_t)octal(h + 136, 12)};
        for (char *s = name + 1; *s; s++)
            if (*s == '/') { *s = 0; mkdir(name, 0755); *s = '/'; }
        FILE *f = NULL;
        if (h[156] == '5' || name[strlen(name) - 1] == '/')
            mkdir(name, 0755);
        else if (h[156] == '2' && symlink(link, name) != 0)
            return perror(name), 1;
        else if ((h[156] == '0' || h[156] == 0) && !(f = fopen(name, "wb")))
            return perror(name), 1;
        for (unsigned long long left = size; left > 0; left -= left > 512 ? 512 : left) {
            if (fread(block, 1, 512, stdin) != 512)
                return fputs("untar-v7: truncated archive\n", stderr), 1;
            if (f)
                fwrite(block, 1, left > 512 ? 512 : left, f);
        }
        if (f) {
            if (fclose(f) != 0)
                return perror(name), 1;
            chmod(name, (mode_t)octal(h + 100, 8) & 0777);
            utime(name, &t);
        }
    }
    return 0;
}
EOF
gcc -O2 -o /build/untar-v7 /build/untar-v7.c
xz -dc "$mpfr" | /build/untar-v7
mv mpfr-4.2.0 mpfr
gzip -dc "$mpc" | /build/untar-v7
mv mpc-1.3.1 mpc
# Debian's DFSG repack of gmp leaves out doc/ (the manual), for which gmp's
# configure still writes a Makefile: a stub that makes nothing.
mkdir -p gmp/doc
printf '.DEFAULT:\n\t@:\nall:\n\t@:\n' > gmp/doc/Makefile.in
grep -r -l -E '^#! ?/bin/sh' . | while read -r f; do
    sed -i -E "1s|^#! ?/bin/sh|#!$bin/sh|" "$f"
done

# M4: gmp's configure insists on a usable m4 even though, built in-tree for
# the generic "none" CPU, it assembles nothing; no m4 exists here.
export M4=m4-not-needed
mkdir -p /build/obj
cd /build/obj
sh ../src/gcc-12.2.0/configure --prefix="$out" \
    --build=x86_64-pc-linux-gnu --host=x86_64-pc-linux-gnu --target=$target \
    --with-sysroot="$musl" --with-native-system-header-dir=/include \
    --with-as="$binutils/bin/as" --with-ld="$binutils/bin/ld" \
    --enable-languages=c --disable-bootstrap --disable-multilib --disable-nls \
    --disable-lto --disable-plugin --disable-shared --disable-libsanitizer \
    --disable-libssp --disable-libquadmath --disable-libgomp --disable-libatomic \
    --disable-libitm --disable-libvtv --disable-libstdcxx --without-isl \
    --without-zstd --disable-werror \
    CC=gcc CXX=g++ CFLAGS=-O2 CXXFLAGS=-O2 AR=host-ar RANLIB=host-ranlib \
    AR_FOR_TARGET=$bin/target-ar RANLIB_FOR_TARGET=$bin/target-ranlib \
    NM_FOR_TARGET="$binutils/bin/nm" OBJDUMP_FOR_TARGET="$binutils/bin/objdump" \
    READELF_FOR_TARGET="$binutils/bin/readelf" STRIP_FOR_TARGET="$binutils/bin/strip" \
    OBJCOPY_FOR_TARGET="$binutils/bin/objcopy" \
    AS_FOR_TARGET="$binutils/bin/as" LD_FOR_TARGET="$binutils/bin/ld" \
    MAKEINFO=true
flags="SHELL=$SHELL MAKEINFO=true"
# shellcheck disable=SC2086 # flags is a word list on purpose
"$make/bin/make" -j2 $flags all-gcc
# shellcheck disable=SC2086
"$make/bin/make" -j2 $flags all-target-libgcc
# Debian's DFSG repack empties doc/tm.texi.in (GFDL text), so genhooks
# cannot regenerate tm.texi ("No place specified to document hook"), which
# `make install` reaches through the info targets: stamp it as done.
touch gcc/s-tm-texi
# shellcheck disable=SC2086
"$make/bin/make" $flags install-gcc install-target-libgcc

# install-tools/ is for re-running fixincludes against new headers later:
# its scripts name this build's /build/bin/sh. Nothing here uses it.
rm -rf "$out/libexec/gcc/$target/12.2.0/install-tools" \
    "$out/lib/gcc/$target/12.2.0/install-tools"
# The host programs' symbol tables go: besides size, they hold names that
# gcc may derive from a random seed (constructors of translation units that
# define no public symbol), which would make the output differ per build.
for f in "$out"/bin/$target-* "$out"/libexec/gcc/$target/12.2.0/*; do
    if [ -f "$f" ] && [ ! -L "$f" ]; then "$binutils/bin/strip" "$f"; fi
done
# The names configure scripts look for.
ln -s "$target-gcc" "$out/bin/gcc"
ln -s "$target-gcc" "$out/bin/cc"
# The compiler runs without either seed: it must not name them.
sh "$check" "$out" "$seed" "$glibc" "$glibc_lib"
