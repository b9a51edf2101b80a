#!/usr/bin/env bash
# Installs what `make install` adds besides the Python package: man pages for
# every command and bash, zsh and fish completion, all generated from sx's
# argument parser. Usage: install-extras.sh PYTHON SHARE_DIR [PREFIX]
#   SHARE_DIR  normally the venv's share/: man finds share/man through PATH
#              (.venv/bin), bash-completion looks beside the command too.
#   PREFIX     optional, e.g. /usr/local or ~/.local: also copy them to
#              PREFIX/share and link PREFIX/bin/sx to the venv's sx.
set -euo pipefail
PY=$1
SHARE=$2
PREFIX=${3:-}

install_to() {
  local share=$1
  "$PY" -m sx.cli.manpages "$share/man/man1" >/dev/null
  mkdir -p "$share/bash-completion/completions" "$share/zsh/site-functions" \
           "$share/fish/vendor_completions.d"
  "$PY" -m sx.cli.main completion bash > "$share/bash-completion/completions/sx.tmp"
  "$PY" -m sx.cli.main completion zsh > "$share/zsh/site-functions/_sx.tmp"
  "$PY" -m sx.cli.main completion fish > "$share/fish/vendor_completions.d/sx.fish.tmp"
  mv "$share/bash-completion/completions/sx.tmp" "$share/bash-completion/completions/sx"
  mv "$share/zsh/site-functions/_sx.tmp" "$share/zsh/site-functions/_sx"
  mv "$share/fish/vendor_completions.d/sx.fish.tmp" "$share/fish/vendor_completions.d/sx.fish"
}

install_to "$SHARE"
echo "installed man pages and completion under $SHARE"
if [ -n "$PREFIX" ]; then
  install_to "$PREFIX/share"
  mkdir -p "$PREFIX/bin"
  ln -sfn "$(cd "$(dirname "$PY")" && pwd)/sx" "$PREFIX/bin/sx"
  echo "installed man pages, completion and bin/sx under $PREFIX"
fi
