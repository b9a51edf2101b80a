# Unpack Debian binary packages into one tree: $out.
# Run by the busybox seed's shell (standalone applets, no PATH needed).
#
# Environment: debs (space-separated .deb store paths, unpacked in order),
# out. Absolute symlinks (Debian's /lib64/ld-linux-x86-64.so.2 ->
# /lib/x86_64-linux-gnu/...) are made relative, so they point inside the
# tree: the sandbox has no /lib, and a relative link needs no rewriting when
# the output moves to its final path.
set -eu
mkdir -p "$out"
for deb in $debs; do
    dpkg-deb -x "$deb" "$out"
done
find "$out" -type l | sort | while read -r link; do
    target=$(readlink "$link")
    case $target in
    /*)
        rel=${link#"$out"/}
        up=.
        case $rel in */*) up=$(dirname "$rel" | sed 's|[^/][^/]*|..|g') ;; esac
        rm "$link"
        ln -s "$up$target" "$link"
        ;;
    esac
done
# Debian's docs, manuals and lintian data are not needed to build anything.
rm -rf "$out/usr/share/doc" "$out/usr/share/man" "$out/usr/share/info" "$out/usr/share/lintian"
