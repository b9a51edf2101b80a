# Build one GNU userland package (tar, sed, gzip, xz, bash, coreutils) from
# its Debian orig tarball with configure, GNU make and the static tcc.
# Run by the busybox seed's shell (standalone applets, no PATH needed).
#
# Environment (set by the recipe; store paths only):
#   src       the orig tarball (.tar.xz or .tar.gz)
#   unpacked  the directory the tarball unpacks to (e.g. sed-4.9)
#   pname     the package (selects the source fixes below)
#   flags     configure arguments on top of the common ones
#   gnutar    the tar stage's tree (bin/tar); empty for the tar stage itself
#   env       gnu-env.sh (the /build/bin tool directory)
#   make      the make stage's tree (bin/make)
#   tcc       the static tcc's tree; musl: the musl whose libc.a is linked
#   busybox   the busybox binary
#   out       install prefix: bin/ and whatever `make install` adds
#
# Common configure arguments, each for a reason:
#   --build=x86_64-pc-linux-musl  config.guess never asks the kernel
#   --disable-nls        no gettext catalogues (and no msgfmt to make them)
#   --localedir=/usr/share/locale  never read without NLS, but tar and bash
#                        still compile the name in: the default, under
#                        $out, would make them refer to their own store path
#   CFLAGS=              autoconf would pick `-g` (tcc is no GNU compiler to it);
#                        tcc's -g writes the musl header paths (store paths)
#                        into the stabs, and tcc does not optimise anyway
#   AR=tcc-ar RANLIB=ranlib  as in build-binutils.sh (busybox's ar only
#                        extracts; `tcc -ar` writes the index itself)
#   LD=cc                gettext's iconv check (AC_LIB_PROG_LD) stops when no
#                        program called ld is on PATH; it only asks for the
#                        linker's flavour, and tcc is its own linker
#   MAKEINFO=true        no texinfo: the tarballs' .info files are installed
set -eu
. "$env"
# configure scripts look for `make` on PATH (AC_PROG_MAKE_SET, recursive
# Makefiles that say `make` rather than $(MAKE)).
ln -s "$make/bin/make" /build/bin/make

# point_shebangs DIR: `#!/bin/sh` on the first line becomes `#!/build/bin/sh`
# (the sandbox has no /bin/sh; scripts such as build-aux/install-sh are run
# directly). Unlike gnu-env.sh's fix_shebangs, it leaves every other file
# alone and keeps each edited file's mtime: a rewritten m4/*.m4 or
# Makefile.in newer than its products makes make rerun aclocal or automake,
# which do not exist here.
point_shebangs() {
    grep -r -l -E '^#! ?/bin/sh' "$1" | while read -r f; do
        head -n 1 "$f" | grep -q -E '^#! ?/bin/sh' || continue
        case "$pname:$f" in
            # gzip makes its scripts (gunzip, zcat, zgrep...) from these with
            # `sed s|/bin/sh|$(SHELL)|`: an edited one would say
            # /build/build/bin/sh.
            gzip:*.in) continue ;;
        esac
        touch -r "$f" /build/mtime.ref
        sed -E '1s|^#! ?/bin/sh|#!/build/bin/sh|' "$f" > /build/shebang.tmp
        cat /build/shebang.tmp > "$f"
        touch -r /build/mtime.ref "$f"
    done
    rm -f /build/mtime.ref /build/shebang.tmp
}

mkdir -p /build/src
cd /build/src
case "$src" in
    *.xz) unpack="xz -d -c" ;;
    *.gz) unpack="gzip -d -c" ;;
    *) echo "build-gnu: $src: not a .tar.xz or .tar.gz" >&2; exit 1 ;;
esac
# busybox's tar rejects the v7-format archives automake writes (no `ustar`
# magic; Debian's busybox is built without the old-format option), so the
# tar stage, built first from a ustar tarball, unpacks every later one.
if [ -n "$gnutar" ]; then
    $unpack "$src" | "$gnutar/bin/tar" -x -f -
else
    $unpack "$src" | tar -x -f -
fi
cd "$unpacked"
point_shebangs "$PWD"

# Source fixes for what tcc gets wrong, each checked so that a changed
# source fails here rather than building a broken program.
case "$pname" in
    gzip)
        # tcc bug: after an old-style (K&R) definition, calls later in the
        # same file pass arguments without converting them to the earlier
        # prototype's parameter types. discard_input_bytes (size_t nbytes,
        # ...) is defined that way, and discard_input_bytes (-1, ...) passes
        # a 32-bit -1: nbytes is 0xffffffff, not SIZE_MAX, so gzip reads to
        # the end of input when it skips a stored file name
        # ("unexpected end of file" on every `gzip -d` of a named member).
        n=$(grep -c -F 'discard_input_bytes (-1, flags)' gzip.c 2>/dev/null) || true
        [ "$n" = 2 ] || {
            echo "build-gnu: gzip.c: expected 2 calls discard_input_bytes (-1, flags)," \
                "found ${n:-no gzip.c}" >&2
            exit 1
        }
        sed -i 's/discard_input_bytes (-1, flags)/discard_input_bytes ((size_t) -1, flags)/' \
            gzip.c
        ;;
esac

# shellcheck disable=SC2086 # flags is a word list on purpose
sh ./configure --prefix="$out" --build=x86_64-pc-linux-musl --disable-nls \
    --localedir=/usr/share/locale \
    CC=cc CFLAGS= AR=tcc-ar RANLIB=ranlib LD=cc MAKEINFO=true $flags
"$make/bin/make" -j2 SHELL="$SHELL" MAKEINFO=true
"$make/bin/make" SHELL="$SHELL" MAKEINFO=true install

case "$pname" in
    xz)
        # libtool's liblzma.la and pkg-config's liblzma.pc only record the
        # install prefix (this output's store path); a static link needs
        # neither (include/ and lib/liblzma.a stay).
        rm -r "$out/lib/liblzma.la" "$out/lib/pkgconfig"
        ;;
esac

# Installed scripts (gunzip, zgrep, xzdiff, bashbug...) were given the
# build's shell, and gzexe also writes it into the programs it makes;
# outside the build it is /bin/sh.
for f in "$out"/bin/*; do
    [ ! -L "$f" ] && [ "$(head -c 2 "$f")" = "#!" ] || continue
    sed -i 's|/build/bin/sh|/bin/sh|g' "$f"
done
if grep -l /build/bin "$out"/bin/*; then
    echo "build-gnu: the files above still name the build's tool directory" >&2
    exit 1
fi
