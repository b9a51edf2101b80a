# Unpack the glibc seed's packages and split them into three outputs.
# Run by the busybox seed's shell (standalone applets, no PATH needed).
#
# Environment: debs (the .deb store paths), unpack (unpack-debs.sh), and the
# outputs:
#   lib  what a program loads at run time: lib/x86_64-linux-gnu (the loader,
#        libc.so.6, libm.so.6...) and lib64 (the loader's usual name)
#   dev  what a compiler needs: usr/include and usr/lib/x86_64-linux-gnu (crt
#        objects, static libraries, linker scripts), with lib and lib64 as
#        links to the lib output, so that dev is a complete sysroot
#   out  the rest of libc6 (gconv modules, audit modules, configuration)
# A program linked against glibc refers to lib only (interpreter and run
# path), so its closure is lib, not the headers and static libraries too.
set -eu
tree=/build/tree
out=$tree sh "$unpack"
triple=x86_64-linux-gnu

mkdir -p "$lib" "$dev/usr/lib/$triple" "$out/usr/lib/$triple"
mv "$tree/lib" "$tree/lib64" "$lib/"
ln -s "$lib/lib" "$dev/lib"
ln -s "$lib/lib64" "$dev/lib64"
mv "$tree/usr/include" "$dev/usr/"
for sub in gconv audit; do
    if [ -e "$tree/usr/lib/$triple/$sub" ]; then
        mv "$tree/usr/lib/$triple/$sub" "$out/usr/lib/$triple/"
    fi
done
mv "$tree/usr/lib/$triple/"* "$dev/usr/lib/$triple/"
rmdir "$tree/usr/lib/$triple" "$tree/usr/lib"
# Whatever is left (etc, usr/share...) belongs to out.
for entry in "$tree"/* "$tree"/usr/*; do
    [ -e "$entry" ] || [ -L "$entry" ] || continue
    case $entry in
    "$tree/usr") ;;
    "$tree"/usr/*) mkdir -p "$out/usr" && mv "$entry" "$out/usr/" ;;
    *) mv "$entry" "$out/" ;;
    esac
done
