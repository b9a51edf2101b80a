# Build binutils 2.40 (Debian's repack) with GNU make and the static tcc.
# Run by the busybox seed's shell (standalone applets, no PATH needed).
#
# Environment (set by the recipe; store paths only):
#   src       binutils_2.40.orig.tar.xz
#   env       gnu-env.sh (the /build/bin tool directory)
#   make      the make stage's tree (bin/make)
#   tcc       the static tcc's tree; musl: the musl whose libc.a is linked
#   busybox   the busybox binary
#   out       install prefix: bin/{as,ld,ar,nm,objdump,...}, lib/, include/
#
# Built: the binutils programs, gas and ld (`make all-binutils all-gas
# all-ld`), static, for x86_64. What tcc and the sandbox need:
#   --disable-plugins    no dlopen in a static musl program
#   PLUGIN_LITTLE_ENDIAN plugin-api.h cannot tell the byte order from tcc's
#                        predefined macros and stops with an #error
#   MAKEINFO=true        no texinfo here (the tarball's .info files install)
#   lt_cv_sys_max_cmd_len libtool measures 512 with busybox sh and would
#                        split an archive into several `ar cru` calls;
#                        `tcc -ar` rewrites the archive on each call
# --build is given, so config.guess never asks the kernel. perl is missing,
# so the man pages are not regenerated (the rule's error is ignored by
# binutils' Makefile).
set -eu
. "$env"

mkdir -p /build/src /build/obj
cd /build/src
# Of the tarball's 27,000 files, 24,000 are test suites and the programs
# not built here (gold, gprofng): writing them costs more than the build's
# configure. Extract the rest by naming the top-level entries (and those of
# gas/ and ld/, whose testsuite/ is left out); tar extracts a directory
# named on its command line whole.
tar -tJf "$src" | awk -F/ '{
    n = ($2 == "gas" || $2 == "ld") ? 3 : 2
    if (NF < n || $n == "") next
    p = $1; for (i = 2; i <= n; i++) p = p "/" $i
    print p
}' | sort -u | grep -v -E '^binutils-2.40/(gold|gprofng|gas/testsuite|ld/testsuite)$' > keep.list
# shellcheck disable=SC2046 # one word per entry on purpose
tar -xJf "$src" $(cat keep.list)
fix_shebangs /build/src/binutils-2.40

export lt_cv_sys_max_cmd_len=262144
cd /build/obj
sh ../src/binutils-2.40/configure --prefix="$out" --build=x86_64-pc-linux-musl \
    --disable-nls --disable-werror --disable-plugins --disable-shared --enable-static \
    --disable-gprofng --disable-gold --disable-gdb --disable-gdbserver --disable-sim \
    --disable-libdecnumber --disable-readline --without-zstd --without-debuginfod \
    --disable-multilib \
    CC=cc CFLAGS=-DPLUGIN_LITTLE_ENDIAN=1 AR=tcc-ar RANLIB=ranlib MAKEINFO=true
flags="SHELL=$SHELL MAKEINFO=true"
# shellcheck disable=SC2086 # flags is a word list on purpose
"$make/bin/make" -j2 $flags all-binutils all-gas all-ld
# shellcheck disable=SC2086
"$make/bin/make" $flags install-binutils install-gas install-ld
