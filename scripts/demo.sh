#!/usr/bin/env bash
# The main job: rebuild the bootstrap seed three ways, realize the stage0 chain
# from it in the store $SX_ROOT names (make demo: .demo-store), prove it
# reproduces, show what it rests on, and
# export the chain as a byte-reproducible OCI image.
set -euo pipefail
SX=${1:-sx}
OUT=${DEMO_OUT:-demo-out}
mkdir -p "$OUT"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "the seed: hex0.hex0 turned into bytes three independent ways"
"$SX" bootstrap seed

step "realize the chain: seed -> hex0 (fixpoint) -> hex1 -> hex2 -> catm -> M0"
TIMEFORMAT='realized in %R s'
time "$SX" realize stage0 --out-link "$OUT/stage0"
cat "$OUT/stage0"

step "the fixpoint: hex0 built by the seed equals the seed"
seed=$(awk '$1=="hex0-seed"{print $2}' "$OUT/stage0")
hex0=$(awk '$1=="hex0"{print $2}' "$OUT/stage0")
for p in "$seed" "$hex0"; do
  printf '%s  %s\n' "$("$SX" store cat "$p" | sha256sum | cut -d' ' -f1)" "$p"
done
[ "$("$SX" store cat "$seed" | sha256sum)" = "$("$SX" store cat "$hex0" | sha256sum)" ]
echo "identical: the seed reproduces itself"

step "rebuild every derivation of the chain and compare bytes (--check --recursive)"
"$SX" realize --check --recursive stage0

step "provenance: the binaries M0 rests on that were not built from source"
"$SX" provenance stage0-M0

step "export the chain as an OCI image"
hello=$(awk '$1=="hello"{print $2}' "$OUT/stage0")
rm -rf "$OUT/stage0-image"
"$SX" export-oci "$OUT/stage0" -o "$OUT/stage0-image" --tag stage0 --entrypoint "$hello"
if command -v skopeo >/dev/null; then
  skopeo inspect "oci:$OUT/stage0-image:stage0" | head -20
fi
if command -v podman >/dev/null && [ "$(id -u)" = 0 ]; then
  step "run the image: its entrypoint is the hello program assembled by M0"
  # podman names an oci: image after its path, which must be lower case: run
  # it through a link in a lower-case temp dir (hex), wherever OUT is.
  state=/tmp/sxdemo-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
  mkdir -m 700 "$state"
  trap 'rm -rf "$state"' EXIT
  ln -s "$OUT/stage0-image" "$state/image"
  podman --root "$state/root" --runroot "$state/run" --tmpdir "$state/tmp" --storage-driver vfs \
    run --rm --runtime runc --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
    "oci:$state/image:stage0"
fi
echo
echo "image: $OUT/stage0-image (tag stage0)"
