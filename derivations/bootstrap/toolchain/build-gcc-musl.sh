# Build musl 1.2.3 with the gcc stage: the stock source, musl's own
# configure and Makefile, run by busybox's shell and GNU make.
# Run by the busybox seed's shell (standalone applets, no PATH needed).
#
# Environment (set by the recipe; store paths only):
#   src       musl-1.2.3.tar.gz (upstream's release file, via Debian)
#   gcc       the gcc stage (bin/$target-gcc); target: its triplet
#   binutils  the binutils stage (ar, ranlib)
#   make      the make stage (bin/make)
#   busybox   the busybox binary
#   out       install prefix: include/, lib/{libc.a,crt1.o,...}
#
# Unlike musl.py's build by tcc, nothing is left out and nothing is patched:
# gcc builds src/complex, the x86_64 assembly of src/math and src/fenv, and
# musl's sources as they are. Static only (--disable-shared), as musl-2:
# there is no dynamic loader in the store to run programs with.
set -eu

bin=/build/bin
mkdir -p "$bin"
"$busybox" --install -s "$bin"
export PATH="$bin" SHELL="$bin/sh" CONFIG_SHELL="$bin/sh"
# Busybox's ar applet only extracts and wins over a PATH entry named ar;
# the archives are written with D (zero dates, uids and modes): binutils'
# ar is not configured to be deterministic by default.
printf '#!%s/sh\nop=$1\nshift\nexec %s/bin/ar "${op}D" "$@"\n' "$bin" "$binutils" \
    > "$bin/target-ar"
printf '#!%s/sh\nexec %s/bin/ranlib -D "$@"\n' "$bin" "$binutils" > "$bin/target-ranlib"
chmod 755 "$bin/target-ar" "$bin/target-ranlib"

mkdir -p /build/src
cd /build/src
tar -xzf "$src"
cd musl-1.2.3
# tools/install.sh is run directly by the Makefile.
sed -i -E "1s|^#! ?/bin/sh|#!$bin/sh|" tools/install.sh

sh ./configure --prefix="$out" --disable-shared --disable-wrapper \
    CC="$gcc/bin/$target-gcc"
flags="SHELL=$SHELL AR=target-ar RANLIB=target-ranlib"
# shellcheck disable=SC2086 # flags is a word list on purpose
"$make/bin/make" -j2 $flags
# shellcheck disable=SC2086
"$make/bin/make" $flags install
