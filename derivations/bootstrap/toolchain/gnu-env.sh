# Sourced by the build scripts of GNU packages (build-make.sh,
# build-binutils.sh): a POSIX-ish tool directory for configure scripts and
# Makefiles, inside the sandbox, which has no /bin/sh and no PATH.
#
# Environment (from the recipe): busybox (the busybox binary), tcc (the
# static tcc's tree), musl (the musl tree whose libc.a programs link).
#
# /build/bin gets a symlink per busybox applet (sh, sed, awk, grep...: a
# multi-call binary picks the applet by the name it is started as), and:
#   cc       the static tcc, searching $musl/lib first, so -lc is $musl's
#            libc.a (its crt objects and headers come from the musl tcc was
#            configured with; musl-1 and musl-2 have identical ones)
#   tcc-ar   `tcc -ar` (busybox's own ar applet only extracts, and busybox
#            sh runs an applet in preference to a PATH entry of the same
#            name, so the wrapper must not be called ar)
#   ranlib   a no-op: `tcc -ar` always writes the symbol index
# Scripts get /build/bin/sh as their interpreter: CONFIG_SHELL and SHELL,
# and the caller rewrites `#!/bin/sh` lines in unpacked sources.
bin=/build/bin
mkdir -p "$bin"
"$busybox" --install -s "$bin"
printf '#!%s/sh\nexec %s/bin/tcc -L%s/lib "$@"\n' "$bin" "$tcc" "$musl" > "$bin/cc"
printf '#!%s/sh\nexec %s/bin/tcc -ar "$@"\n' "$bin" "$tcc" > "$bin/tcc-ar"
printf '#!%s/sh\nexit 0\n' "$bin" > "$bin/ranlib"
chmod 755 "$bin/cc" "$bin/tcc-ar" "$bin/ranlib"
export PATH="$bin" SHELL="$bin/sh" CONFIG_SHELL="$bin/sh"

# fix_shebangs DIR: point every `#!/bin/sh` script under DIR at /build/bin/sh.
fix_shebangs() {
    grep -r -l -E '^#! ?/bin/sh' "$1" | while read -r f; do
        sed -i -E '1s|^#! ?/bin/sh|#!/build/bin/sh|' "$f"
    done
}
