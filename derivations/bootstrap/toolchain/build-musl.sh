# Build musl 1.2.3 (static libc.a, crt objects, headers) with tcc.
# Run by the busybox seed's shell (standalone applets, no PATH needed).
#
# Environment (set by the recipe; store paths only):
#   src       musl-1.2.3.tar.gz (upstream's release file, via Debian)
#   patches   sx's patches; musl-*.patch are applied with -p1 in order
#   tcc       the compiler's tree (bin/tcc): any tcc built by these recipes
#   cc        (instead of tcc) the compiler program itself: tcc-boot's
#             fixpoint, one static file
#   busybox   the busybox binary
#   out       install prefix: include/, lib/{libc.a,crt1.o,crti.o,crtn.o,lib*.a}
#
# musl's Makefile needs GNU make, which does not exist yet at this stage: this
# script follows its rules (the same source list, flags and generated
# headers) with a shell loop instead. Left out, because tcc cannot build them:
# src/complex (tcc has no _Complex), src/math/x86_64 and src/fenv/x86_64
# (x87 inline assembly with constraints tcc lacks; the portable C versions in
# src/math and src/fenv are used instead), and the dynamic linker (ldso/,
# libc.so, Scrt1.o, rcrt1.o: everything built here links statically).
set -eu

mkdir -p /build/src
cd /build/src
tar -xzf "$src"
cd musl-1.2.3
for p in "$patches"/musl-*.patch; do
    patch -p1 < "$p"
done

arch=x86_64
mkdir -p obj/include/bits obj/src/internal
sed -f tools/mkalltypes.sed arch/$arch/bits/alltypes.h.in include/alltypes.h.in \
    > obj/include/bits/alltypes.h
cp arch/$arch/bits/syscall.h.in obj/include/bits/syscall.h
sed -n -e s/__NR_/SYS_/p < arch/$arch/bits/syscall.h.in >> obj/include/bits/syscall.h
printf '#define VERSION "%s"\n' 1.2.3 > obj/src/internal/version.h

# The source list of musl's Makefile: src/*/*.c plus src/*/$arch/*.[csS]; an
# arch file replaces the generic file of the same base name.
skip='^src/complex/|^src/math/x86_64/|^src/fenv/x86_64/'
{
    for f in src/*/*.c src/malloc/mallocng/*.c; do echo "$f"; done
    for f in src/*/$arch/*.[csS] src/malloc/mallocng/$arch/*.[csS]; do
        [ -e "$f" ] && echo "$f"
    done
} | grep -v -E "$skip" > all.list
# Arch files keyed by their generic name; keep a generic file only if no arch
# file replaces it.
sed -n "s|^\(src/.*\)/$arch/\([^/]*\)\.[csS]$|\1/\2|p" all.list | sort -u > replaced.list
while read -r f; do
    case $f in
    */$arch/*) echo "$f" ;;
    *) grep -q -x -F "${f%.c}" replaced.list || echo "$f" ;;
    esac
done < all.list | sort > srcs.list

cflags="-std=c99 -nostdinc -ffreestanding -D_XOPEN_SOURCE=700 -Iarch/$arch -Iarch/generic"
cflags="$cflags -Iobj/src/internal -Isrc/include -Isrc/internal -Iobj/include -Iinclude"
cc=${cc:-$tcc/bin/tcc}

# One compile command per source; objects mirror the source tree.
cat > /build/compile.sh <<EOF
for f in "\$@"; do
    o=obj/\${f%.*}.o
    mkdir -p "\${o%/*}"
    $cc $cflags -c "\$f" -o "\$o" || { echo "build-musl: cannot compile \$f" >&2; exit 255; }
done
EOF
# Objects are independent, so two compilers at once change nothing but time.
xargs -P 2 -n 32 "$busybox" sh /build/compile.sh < srcs.list

sed 's|^\(.*\)\.[csS]$|obj/\1.o|' srcs.list > objs.list
# shellcheck disable=SC2046 # one word per object on purpose
"$cc" -ar rc libc.a $(cat objs.list)

for c in crt/crt1.c crt/$arch/crti.s crt/$arch/crtn.s; do
    o=$(basename "$c" | sed 's/\.[cs]$/.o/')
    $cc $cflags -DCRT -c "$c" -o "obj/$o"
done

mkdir -p "$out/lib" "$out/include/bits"
cp libc.a obj/crt1.o obj/crti.o obj/crtn.o "$out/lib/"
# musl installs empty libm.a, libpthread.a...: everything is in libc.a, but
# -lm must still find a file. `tcc -ar` cannot write an empty archive; an
# empty archive is its 8-byte magic alone.
for l in m rt pthread crypt util xnet resolv dl; do
    printf '!<arch>\n' > "$out/lib/lib$l.a"
done
cp -R include/. "$out/include/"
cp arch/generic/bits/*.h "$out/include/bits/"
cp arch/$arch/bits/*.h "$out/include/bits/"
cp obj/include/bits/*.h "$out/include/bits/"
