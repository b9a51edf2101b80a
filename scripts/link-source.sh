#!/usr/bin/env bash
# Makes the development install import sx from the source folders through a
# plain path entry instead of setuptools' editable finder.
# Usage: link-source.sh PYTHON
#
# `pip install -e` maps sx.store, sx.derivations and sx.cli to store/,
# derivations/ and cli/ with an import hook whose module imports pathlib
# (and with it re, urllib, ipaddress): 10-15 ms of every `sx` start. A folder
# VENV/sx-src/sx whose entries are symlinks to the three source folders, named
# by a .pth file, gives the same mapping at the cost of one directory on
# sys.path. New modules in the source folders are seen at once, as before.
set -euo pipefail
PY=$1
REPO=$(cd "$(dirname "$0")/.." && pwd)
VENV=$("$PY" -c 'import sys; print(sys.prefix)')
SITE=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
SRC=$VENV/sx-src
mkdir -p "$SRC/sx"
for d in store derivations cli; do
  ln -sfn "$REPO/$d" "$SRC/sx/$d"
done
echo "$SRC" > "$SITE/sx-src.pth.tmp"
mv "$SITE/sx-src.pth.tmp" "$SITE/sx-src.pth"
rm -f "$SITE"/__editable__.sx-*.pth "$SITE"/__editable___sx_*_finder.py
"$PY" -c 'import sx.cli.main, sx.store, sx.derivations' || {
  echo "link-source.sh: sx does not import through $SRC" >&2; exit 1; }
