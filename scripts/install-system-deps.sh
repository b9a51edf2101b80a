#!/usr/bin/env bash
# Installs the Debian packages that sx's tests and benchmarks drive for real:
# the sandbox engine, the NAR oracle, the OCI tools, a registry, and helpers;
# a C compiler with Python's headers for sx's one C extension (setup.py), and
# its 32-bit libraries (gcc -m32 builds the C0 and C test programs the stage1
# compilers are compared with); Debian's mescc-tools and mes (M1, hex2,
# MesCC) and tcc (the version sx pins): test oracles for stage0's M0 and
# hex2 and for stage1, never inputs of a build; PostgreSQL, the database of the BuildGrid engine that the
# remote execution tests start; and man-db, bash-completion, fish and zsh,
# which read the man pages and completion scripts `make install` writes (tested).
# Needs root; a non-root caller gets a note and the tests that need them fail loudly.
set -euo pipefail
PKGS="bubblewrap nix-bin b3sum skopeo umoci podman runc docker-registry oci-image-tool
      busybox-static xxd perl gawk zstd uidmap fuse-overlayfs file gcc python3-dev
      gcc-multilib mescc-tools mes tcc postgresql man-db bash-completion fish zsh strace"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
needs_diffoscope=0
dpkg-query -W -f='${Status}' diffoscope-minimal 2>/dev/null | grep -q "install ok installed" || needs_diffoscope=1
if [ -z "$missing" ] && [ $needs_diffoscope = 0 ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "install-system-deps: not root; please install:$missing diffoscope-minimal" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
if [ -n "$missing" ]; then
  apt-get install -y -qq $missing >/dev/null
fi
if [ $needs_diffoscope = 1 ]; then
  apt-get install -y -qq --no-install-recommends diffoscope-minimal >/dev/null
fi
