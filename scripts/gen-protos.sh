#!/usr/bin/env bash
# Regenerates the protobuf modules (and their .pyi stubs) of sx's remote
# execution client and worker from the .proto files beside them. The .proto
# files import each other by their installed module path (sx/derivations/...),
# so protoc sees the source folder under that name through a symlink.
# Usage: scripts/gen-protos.sh [PYTHON] [OUTDIR]   (default: .venv/bin/python, in place)
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${1:-.venv/bin/python}"
case "$PY" in /*) ;; */*) PY="$PWD/$PY" ;; esac
OUT="${2:-.}"
PROTO=derivations/build/remote/proto
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/sx/derivations/build/remote" "$tmp/out"
ln -s "$PWD/$PROTO" "$tmp/sx/derivations/build/remote/proto"
(cd "$tmp" && "$PY" -m grpc_tools.protoc -I. --python_out=out --pyi_out=out \
  sx/derivations/build/remote/proto/*.proto)
mkdir -p "$OUT/$PROTO"
cp "$tmp"/out/sx/derivations/build/remote/proto/*_pb2.py* "$OUT/$PROTO/"
