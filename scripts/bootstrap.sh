#!/usr/bin/env bash
# Realize the chain from the hex0 seed: stage1 (cc1, mescc-tools, mes,
# MesCC compiling tcc, tcc rebuilding itself to a fixpoint), then the native
# toolchain with musl and the first static tcc built by that fixpoint (the
# hex0 route, chain.HEX0: no glibc, no compiler seed), stage by stage. Print
# each stage's wall time and the total, then check the fixpoints and run the
# diverse double-compiling check (four seeds: hex0 and three binary compiler
# seeds). (`make bootstrap` then runs the tests marked bootstrap in the same
# store.)
#
# usage: scripts/bootstrap.sh [SX] [SX-OPTIONS...]
#   SX           the sx command (default: sx on PATH)
#   SX-OPTIONS   global options for every sx call, e.g. --root DIR
# A stage is a built-in recipe name, or for the toolchain a method of the
# hex0 route (sx realize MODULE:HEX0.STAGE); `sx realize` shows its own
# progress view on a terminal. Stops at the first failing stage (exit
# status of sx).
set -euo pipefail

sx=${1:-sx}
shift || true

route=sx.derivations.bootstrap.toolchain.chain:HEX0

# name|what; a name after "toolchain-seeds" is a stage of the hex0 route.
stages=(
    "stage0-cc1|cc1 by cc0, then by itself twice (from the hex0 seed)"
    "mescc-tools|M1, hex2, blood-elf, kaem 1.4.0 by cc1"
    "mes|mes-m2 0.24.2 for x86_64 by cc1 and mescc-tools"
    "mes-libc|mes libc+tcc (137 files) by MesCC on mes-m2"
    "tcc-boot-units|tcc's ten units by MesCC (sx's fixes) on mes-m2"
    "tcc-boot|tcc-boot: M1 and hex2 over crt1, the units and mes libc"
    "tcc-boot-fixpoint|tcc rebuilt by itself from tcc-boot: generations 2 and 3 (one path)"
    "toolchain-seeds|the binary seed still fetched: busybox-static (runs gcc's stages only)"
    "musl|musl 1.2.3 by tcc-boot's fixpoint, with no shell (kaem)"
    "busybox-0|busybox 1.35.0 from source by the fixpoint against musl-1, with no shell: the shell of every later script up to coreutils"
    "tcc-musl|static tcc: tcc-musl-1 by tcc-boot's fixpoint, tcc-musl-2 by tcc-musl-1"
    "tcc-musl-fixpoint|tcc-musl-3 by tcc-musl-2 (the same path: fixpoint)"
    "musl-2|musl rebuilt by the static tcc"
    "make|GNU make 4.3 by the static tcc (hand-written config.h)"
    "binutils|binutils 2.40 by make, busybox-0 and the static tcc"
    "tar|GNU tar 1.34 by make, busybox-0 and the static tcc (unpacks the later sources)"
    "sed|GNU sed 4.9 by the static tcc"
    "gzip|gzip 1.12 by the static tcc"
    "xz|XZ Utils 5.4.1 by the static tcc"
    "bash|bash 5.2.15 by the static tcc"
    "coreutils|GNU coreutils 9.1 by the static tcc"
    "gcc|gcc 12.2.0 (C) by the g++-12 seed, for musl-2 and binutils"
    "musl-gcc|musl 1.2.3 rebuilt by gcc (stock source, musl's Makefile)"
    "gcc-hello|static C programs by gcc against musl-2 and musl-gcc, run"
)

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

n=${#stages[@]}
start=$(now)
report=()
i=0
for entry in "${stages[@]}"; do
    i=$((i + 1))
    name=${entry%%|*}
    what=${entry#*|}
    printf '[%d/%d] %s: %s\n' "$i" "$n" "$name" "$what"
    if [ "$name" = toolchain-seeds ]; then on_route=1; fi
    installable=$name
    if [ -n "${on_route:-}" ]; then installable=$route.${name//-/_}; fi
    t0=$(now)
    paths=$("$sx" "$@" realize "$installable")
    t=$(secs "$t0" "$(now)")
    printf '%s\n' "$paths" | sed 's/^/      /'
    printf '      %s s\n' "$t"
    report+=("$(printf '%-20s %8s s' "$name" "$t")")
done

# Each of these names several derivations that must be one store path.
one_path() {
    if [ "$("$sx" "${@:3}" realize "$1" | sort -u | wc -l)" -ne 1 ]; then
        echo "bootstrap: $2" >&2
        exit 1
    fi
}
one_path tcc-boot-fixpoint "tcc-boot-2 and tcc-boot-3 differ: no fixpoint" "$@"
one_path tcc-boot-ddc "tcc-boot-3 from the seed and from Debian's tcc differ" "$@"
two=$("$sx" "$@" realize "$route.tcc_musl" | tail -n 1)
three=$("$sx" "$@" realize "$route.tcc_musl_fixpoint")
if [ "$two" != "$three" ]; then
    echo "bootstrap: tcc-musl-3 differs from tcc-musl-2: no fixpoint" >&2
    exit 1
fi

printf '[ddc] tcc from four seeds (hex0 and three binary seeds)\n'
t0=$(now)
"$sx" "$@" ddc tcc
report+=("$(printf '%-20s %8s s' "ddc tcc" "$(secs "$t0" "$(now)")")")

total=$(secs "$start" "$(now)")
echo
echo "stage times:"
printf '  %s\n' "${report[@]}"
printf '  %-20s %8s s\n' "total" "$total"
