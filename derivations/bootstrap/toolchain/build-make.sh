# Build GNU make 4.3 (Debian's make-dfsg source) with the static tcc.
# Run by the busybox seed's shell (standalone applets, no PATH needed).
#
# Environment (set by the recipe; store paths only):
#   src       make-dfsg_4.3.orig.tar.gz
#   config    make-config.h: the config.h for musl and tcc, written by hand
#   env       gnu-env.sh (the /build/bin tool directory)
#   tcc       the static tcc's tree; musl: the musl whose libc.a is linked
#   busybox   the busybox binary
#   out       install prefix: bin/make
#
# Debian's repack ships no configure script (only configure.ac, and
# build.sh needs configure's config.status), and there is no make yet to run
# a Makefile: config.h is written by hand and make is compiled and linked in
# one tcc command, from the source list of its Makefile.am (POSIX part).
# musl's glob and fnmatch lack the GNU extensions make uses
# (GLOB_ALTDIRFUNC), so make's own lib/glob.c and lib/fnmatch.c are built,
# as configure would choose on musl.
set -eu
. "$env"

mkdir -p /build/src
cd /build/src
tar -xzf "$src"
cd make-dfsg-4.3
cp "$config" src/config.h
mkdir -p gl
cp lib/glob.in.h gl/glob.h
cp lib/fnmatch.in.h gl/fnmatch.h

srcs="ar arscan commands default dir expand file function getopt getopt1 guile hash
implicit job load loadapi main misc output read remake rule signame strcache variable
version vpath posixos remote-stub"
files=""
for s in $srcs; do files="$files src/$s.c"; done
# shellcheck disable=SC2086 # one word per file on purpose
cc -Isrc -Igl -Ilib -DHAVE_CONFIG_H -DLIBDIR='"/usr/lib"' -DINCLUDEDIR='"/usr/include"' \
    -DLOCALEDIR='"/usr/share/locale"' -o make $files lib/glob.c lib/fnmatch.c

# Smoke test: pattern rules, a wildcard, a shell function, two jobs.
mkdir -p /build/t
cd /build/t
printf 'a\n' > one.in
printf 'b\n' > two.in
printf '%s\n' 'all: $(patsubst %.in,%.out,$(sort $(wildcard *.in)))' \
    '	@cat $^ > all.txt; echo "$(shell echo ok)" >> all.txt' \
    '%.out: %.in' '	cp $< $@' > Makefile
/build/src/make-dfsg-4.3/make -j2 SHELL="$SHELL"
[ "$(cat all.txt)" = "$(printf 'a\nb\nok')" ] || {
    echo "build-make: the make just built gave a wrong result" >&2
    exit 1
}

mkdir -p "$out/bin"
cp /build/src/make-dfsg-4.3/make "$out/bin/make"
