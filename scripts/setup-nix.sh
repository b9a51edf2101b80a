#!/usr/bin/env bash
# Single-user Nix for the oracle tests and benchmarks (Debian's nix-bin, as root):
# writes /etc/nix/nix.conf only when there is none, and never changes an existing one.
# The tests and benchmarks pass the settings they rely on explicitly as well.
set -euo pipefail
conf=/etc/nix/nix.conf
if [ -e "$conf" ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "setup-nix: not root; create $conf with: build-users-group =, sandbox = false," \
       "experimental-features = nix-command, substituters =" >&2
  exit 0
fi
mkdir -p /etc/nix
tmp="$conf.tmp.$$"
cat > "$tmp" <<'CONF'
# Written by sx's scripts/setup-nix.sh: single-user Nix as root, no daemon,
# no build users, no binary caches (Nix is only an offline oracle here).
build-users-group =
sandbox = false
experimental-features = nix-command
substituters =
CONF
mv "$tmp" "$conf"
