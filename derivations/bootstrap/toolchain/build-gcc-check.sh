# usage: sh build-gcc-check.sh DIR PATH...
# Fail when a file under DIR names one of the store PATHs: what build-gcc.sh
# runs on its output with the seeds' paths, whose programs must not need
# either seed at run time. Run by the busybox seed's shell.
# (busybox grep stops at a NUL inside a line: search the printable strings.)
set -eu
dir=$1
shift
find "$dir" -type f | sort > /build/check.list
for p in "$@"; do
    while read -r f; do
        if strings "$f" | grep -q -F "$p"; then
            echo "build-gcc: $f refers to $p" >&2
            exit 1
        fi
    done < /build/check.list
done
