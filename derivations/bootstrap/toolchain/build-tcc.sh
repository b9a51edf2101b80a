# Build tcc (Debian's 0.9.27+git20200814.62c30a4a source) in ONE_SOURCE mode.
# Run by the busybox seed's shell (standalone applets, no PATH needed).
#
# Environment (set by the recipe; store paths only):
#   src       the orig tarball (tar.bz2, no top directory)
#   patches   a directory of sx's own patches (tcc-*.patch, applied with -p1 in order)
#   glibc     the glibc seed's dev output (headers, crt objects, a sysroot);
#             unset for a musl build whose compiler needs no glibc
#   glibc_lib its lib output: the loader every seed runs under, and the
#             target libc when musl is unset
#   musl      (optional) a musl tree (musl.py's build_musl): the target libc;
#             the tcc built then links statically by default and is static
#   cc_kind   gcc | clang | debian-tcc | tcc-boot | tcc-boot-to-musl | tcc |
#             tcc-to-musl (how to drive the compiler; tcc-boot: tcc-boot's
#             self-built fixpoint, from the hex0 seed, against glibc, and
#             tcc-boot-to-musl the same against musl; tcc-to-musl: a
#             glibc-targeting tcc told to use musl)
#   compiler  the compiler's tree (a seed, or an earlier tcc stage); for
#             tcc-boot the program itself
#   busybox   the busybox binary (the interpreter of the wrapper scripts)
#   out       where to install: bin/tcc, lib/tcc/{libtcc1.a,include/}
#
# Everything seed-specific stays in the command line; the tcc that comes out
# only embeds $out, $glibc and $glibc_lib, so from the first self-build on
# the bytes do not depend on which seed started the chain. The programs it
# links embed $glibc_lib alone (interpreter and run path).
set -eu

glibc=${glibc:-}
glibc_lib=${glibc_lib:-}
triple=x86_64-linux-gnu
ldso=$glibc_lib/lib/$triple/ld-linux-x86-64.so.2
glibc_libs=$glibc_lib/lib/$triple
crt=$glibc/usr/lib/$triple
# Dynamically linked seeds carry /lib64 as their ELF interpreter, which the
# sandbox does not have: every seed program is started through the pinned
# glibc's loader, with an explicit library path.
lp=$glibc_libs:$compiler/usr/lib/$triple:$compiler/lib/$triple
run="$ldso --library-path $lp"

mkdir -p /build/src /build/wrap
cd /build/src
tar -xjf "$src"
for p in "$patches"/tcc-*.patch; do
    patch -p1 < "$p"
done

# What ./configure would write; the paths point into the store.
musl=${musl:-}
if [ -z "$musl" ]; then
    cat > config.h <<EOF
#define CONFIG_TCC_SYSINCLUDEPATHS "{B}/include:$glibc/usr/include/$triple:$glibc/usr/include"
#define CONFIG_TCC_LIBPATHS "$crt:$glibc_libs"
#define CONFIG_TCC_CRTPREFIX "$crt"
#define CONFIG_TCC_ELFINTERP "$ldso"
#define CONFIG_TCC_RPATH "$glibc_libs"
EOF
else
    # musl is built without a dynamic loader: no ELF interpreter is ever
    # written (CONFIG_TCC_STATIC, patches/tcc-static-default.patch), the
    # value below only fills the slot.
    cat > config.h <<EOF
#define CONFIG_TCC_SYSINCLUDEPATHS "{B}/include:$musl/include"
#define CONFIG_TCC_LIBPATHS "$musl/lib"
#define CONFIG_TCC_CRTPREFIX "$musl/lib"
#define CONFIG_TCC_ELFINTERP "/lib/ld-musl-x86_64.so.1"
#define CONFIG_TCC_STATIC 1
EOF
fi
cat >> config.h <<EOF
#define TCC_VERSION "0.9.27"
#define CONFIG_TCCDIR "$out/lib/tcc"
#define GCC_MAJOR 0
#define GCC_MINOR 0
#define CC_NAME CC_tcc
EOF

boot_runtime() {
    # tcc's run-time helpers compiled by $cc (tcc-boot's fixpoint has none):
    # their objects, listed in $boot_rt.
    boot_rt=
    for f in lib/libtcc1.c lib/va_list.c; do
        o=/build/boot-$(basename "$f" .c).o
        # shellcheck disable=SC2086 # a word list on purpose
        $cc -c "$f" -o "$o"
        boot_rt="$boot_rt $o"
    done
}

wrap() {
    # wrap NAME PROGRAM [ARGS...]: a script that runs PROGRAM through the loader.
    name=$1
    shift
    printf '#!%s sh\nexec %s %s "$@"\n' "$busybox" "$run" "$*" > "/build/wrap/$name"
    chmod 755 "/build/wrap/$name"
}

# -fno-builtin: at -O2 gcc and clang expand the copy of a constant string
# into immediate stores, which can split this output's own path across
# instructions; sx rewrites a self-reference only where it finds it whole.
copt="-O2 -fno-builtin"

# A seed needs to be told where the libc is at run time; a tcc built here
# knows it already (CONFIG_TCC_RPATH, patches/tcc-default-rpath.patch).
rpath=-Wl,-rpath=$glibc_libs

case $cc_kind in
gcc)
    wrap cc1 "$compiler/usr/lib/gcc/$triple/12/cc1"
    wrap as "$compiler/usr/bin/$triple-as"
    # collect2 only forwards to ld for a plain C link: call ld directly.
    wrap collect2 "$compiler/usr/bin/$triple-ld.bfd"
    cc="$run $compiler/usr/bin/$triple-gcc-12 --sysroot=$glibc -B/build/wrap/ -static-libgcc $copt"
    ;;
clang)
    wrap ld.lld "$compiler/usr/lib/llvm-14/bin/lld" -flavor gnu
    cc="$run $compiler/usr/lib/llvm-14/bin/clang --sysroot=$glibc --gcc-toolchain=$compiler/usr"
    cc="$cc -resource-dir $compiler/usr/lib/llvm-14/lib/clang/14.0.6 -B/build/wrap -fuse-ld=lld -static-libgcc $copt"
    ;;
debian-tcc)
    tccdir=$compiler/usr/lib/$triple/tcc
    cc="$run $compiler/usr/bin/tcc -B$tccdir -isystem $glibc/usr/include/$triple -isystem $glibc/usr/include"
    # Debian's tcc looks for crt*.o and libc under /usr: name them all.
    link_head="-nostdlib $crt/crt1.o $crt/crti.o"
    link_tail="-L$crt -L$glibc_libs -lc $tccdir/libtcc1.a $crt/crtn.o"
    ;;
tcc-boot)
    # tcc-boot's fixpoint is one static file linked against mes libc: it
    # knows no libc and has no libtcc1.a. Name glibc's headers, crt objects
    # and libraries and this source's own headers, and compile tcc's
    # run-time helpers with it.
    cc="$compiler -nostdinc -I/build/src/include -isystem $glibc/usr/include/$triple -isystem $glibc/usr/include"
    boot_runtime
    link_head="-nostdlib $crt/crt1.o $crt/crti.o"
    link_tail="-L$crt -L$glibc_libs -lc$boot_rt $crt/crtn.o"
    ;;
tcc-boot-to-musl)
    # The same fixpoint against musl: a static tcc like tcc-to-musl's.
    cc="$compiler -nostdinc -I/build/src/include -isystem $musl/include"
    boot_runtime
    rpath=
    link_head="-static -nostdlib $musl/lib/crt1.o $musl/lib/crti.o"
    link_tail="-L$musl/lib -lc$boot_rt -lc $musl/lib/crtn.o"
    ;;
tcc)
    # Built here, for the same libc as this build: it knows that libc. A
    # musl tcc is static and runs directly; tcc-1 may name a seed's loader.
    if [ -n "$musl" ]; then run=; fi
    cc="$run $compiler/bin/tcc"
    rpath=
    ;;
tcc-to-musl)
    # A glibc-targeting tcc: name musl's headers, crt files and libraries.
    cc="$run $compiler/bin/tcc -nostdinc -isystem $compiler/lib/tcc/include -isystem $musl/include"
    rpath=
    link_head="-static -nostdlib $musl/lib/crt1.o $musl/lib/crti.o"
    link_tail="-L$musl/lib -lc $compiler/lib/tcc/libtcc1.a -lc $musl/lib/crtn.o"
    ;;
*)
    echo "build-tcc: unknown cc_kind $cc_kind" >&2
    exit 1
    ;;
esac

# Compile and link in two steps: clang run through the loader cannot spawn
# its own cc1 (it would exec the loader), and it keeps cc1 in-process only
# for a compile-only job.
# shellcheck disable=SC2086 # the command lines are word lists on purpose
$cc -c tcc.c -o tcc.o -DONE_SOURCE=1 -DTCC_TARGET_X86_64 -I.
# shellcheck disable=SC2086
$cc ${link_head:-} -o tcc tcc.o ${rpath:-} -lm ${link_tail:-}

# (busybox grep stops at a NUL inside a line: search the printable strings.)
if ! strings tcc | grep -q -F "$out/lib/tcc"; then
    echo "build-tcc: $out/lib/tcc is not stored whole in tcc (self-reference split)" >&2
    exit 1
fi

# The runtime library is always built by the tcc just made, from the source
# tree's own include/ (-B.), so it is the same whichever seed came first.
if [ -z "$musl" ]; then
    newtcc="$ldso --library-path $glibc_libs ./tcc"
else
    newtcc=./tcc
fi
objs=""
for f in lib/libtcc1.c lib/alloca86_64.S lib/alloca86_64-bt.S lib/va_list.c lib/dsohandle.c; do
    o=$(basename "$f" | sed 's/\.[cS]$/.o/')
    $newtcc -B. -I. -c "$f" -o "$o"
    objs="$objs $o"
done
# shellcheck disable=SC2086
$newtcc -ar rcs libtcc1.a $objs

mkdir -p "$out/bin" "$out/lib/tcc/include"
cp tcc "$out/bin/tcc"
cp libtcc1.a "$out/lib/tcc/libtcc1.a"
cp include/*.h "$out/lib/tcc/include/"
