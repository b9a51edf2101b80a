"""busybox-0: busybox from source on the hex0 route, built with no shell.

That the build scripts under it give what they give under busybox-static is
test_hex0_route.py's check (the hex0 route runs them under busybox-0 and
reaches the registry route's paths). In the real sandbox, sharing the
toolchain session store (tcc-boot's fixpoint, about 12 minutes from an empty
store, is built once for this file and test_hex0_route.py).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from sx.derivations.bootstrap.toolchain import busybox, busybox_files
from sx.derivations.model import derivation
from sx.store.local import LocalStore
from toolchain_helpers import (
    TESTSUITE_ARCHIVES,
    assert_rests_on_the_seed,
    build,
    elf_has_interpreter,
)

pytestmark = [pytest.mark.sandbox, pytest.mark.slow, pytest.mark.timeout(3600)]

# What the build scripts ask of busybox, each line checked by its output.
SCRIPT = r"""
set -eu
cd /build
printf 'b 2\na 1\nc 3\n' > in.txt
{
  sort in.txt | tr '\n' ' '; echo
  awk '{ s += $2 } END { print "sum", s }' in.txt
  sed -n 's/^\(a\) \([0-9]\)$/\2\1/p' in.txt
  grep -c '^[ab]' in.txt
  echo "$(( 6 * 7 ))" "$(expr 3 + 4)"
  mkdir -p d/e && : > d/e/f && find d -type f
  tar -cf t.tar d && rm -r d && tar -xf t.tar && ls d/e
  gzip -c in.txt | gzip -dc | wc -l
  bzip2 -c in.txt | bzip2 -dc | head -n 1
  printf 'x\n' | xargs echo got
  case "$(basename /a/b.c .c)" in b) echo case-ok ;; esac
  cmp -s in.txt in.txt && echo same
  od -An -tx1 -N2 in.txt
} > "$out"
"""

WANT = ("a 1 b 2 c 3 \nsum 6\n1a\n2\n42 7\nd/e/f\nf\n3\nb 2\ngot x\ncase-ok\nsame\n"
        " 62 20\n")


def _macros(text: str) -> dict[str, str | None]:
    """The CONFIG_ and ENABLE_ macros an autoconf.h defines (None: ``#undef``)."""
    found: dict[str, str | None] = {}
    for line in text.splitlines():
        if m := re.match(r"#define ((?:CONFIG|ENABLE)_\w+) (.*)$", line):
            found[m.group(1)] = m.group(2)
        elif m := re.match(r"#undef (CONFIG_\w+)$", line):
            found[m.group(1)] = None
    return found


@pytest.fixture(scope="module")
def busybox0(tstore: LocalStore) -> Path:
    [path] = build(tstore, [busybox.busybox0()])
    return Path(tstore.real_path(path))


def test_kept_sources_are_what_kbuild_picks_from_the_pinned_tarballs(tstore: LocalStore) -> None:
    src, deb = (tstore.real_path(p) for p in
                build(tstore, [busybox.busybox_source(), busybox.debian_packaging()]))
    config = Path(deb, busybox_files.CONFIG).read_text(encoding="utf-8")
    off = busybox_files.off_symbols(Path(busybox_files.OFF).read_text(encoding="utf-8"))
    assert busybox_files.plan(src, config, off) == list(busybox_files.sources())
    assert busybox_files.scanned(src) == list(busybox_files.applet_sources())
    with pytest.raises(ValueError, match="NO_SUCH_SYMBOL: not a symbol of the configuration"):
        busybox_files.plan(src, config, [*off, "NO_SUCH_SYMBOL"])


def test_busybox0_is_static_and_runs_what_the_build_scripts_use(
        tstore: LocalStore, busybox0: Path) -> None:
    exe = busybox0 / "bin" / "busybox"
    assert not elf_has_interpreter(exe.read_bytes())
    bb = busybox.busybox0()
    run = derivation("busybox-0-check", f"{bb.out}/bin/busybox", args=["sh", "-c", SCRIPT],
                     inputs=[bb])
    [out] = build(tstore, [run])
    assert Path(tstore.real_path(out)).read_text() == WANT


def test_busybox0_rests_on_the_seed_alone(tstore: LocalStore, busybox0: Path) -> None:
    """No binary package but nyacc's (MesCC's Scheme parser, under tcc-boot): busybox-0
    is the route's first shell not taken from Debian's binaries. Provenance also lists
    busybox's source for the compressed test data of its testsuite, which the build never
    reads (it reads the kept lists' files and include/)."""
    assert_rests_on_the_seed(tstore, busybox.busybox0())
    [src] = build(tstore, [busybox.busybox_source()])
    root = Path(tstore.real_path(src))
    compressed = sorted(str(p.relative_to(root)) for p in root.rglob("*")
                        if p.is_file() and p.read_bytes()[:3] == b"BZh")
    assert compressed == list(TESTSUITE_ARCHIVES)
    read = {*busybox_files.sources(), *busybox_files.applet_sources()}
    assert not any(r.startswith("testsuite/") for r in read)


def test_autoconf_is_what_busybox_kconfig_writes(tstore: LocalStore, tmp_path: Path) -> None:
    """gen-headers' autoconf.h against busybox's own kconfig (built by the host's gcc, as
    an oracle) run on the same configuration: the same macros, but for symbols that only
    Debian's patches know and strings kconfig empties, which no compiled source names."""
    src, deb, gen = (Path(tstore.real_path(p)) for p in build(
        tstore, [busybox.busybox_source(), busybox.debian_packaging(), busybox.generated()]))
    tree = tmp_path / "busybox"
    shutil.copytree(src, tree, symlinks=True)
    for d in [tree, *tree.rglob("*")]:  # store copies are read-only: make them writable
        if not d.is_symlink():
            d.chmod(d.stat().st_mode | 0o200)
    off = busybox_files.off_symbols(Path(busybox_files.OFF).read_text(encoding="utf-8"))
    config = (deb / busybox_files.CONFIG).read_text(encoding="utf-8")
    for name in off:
        config = re.sub(rf"^CONFIG_{name}=.*$", f"# CONFIG_{name} is not set", config,
                        flags=re.M)
    (tree / ".config").write_text(config, encoding="utf-8")
    r = subprocess.run(["make", "-s", "oldconfig"], cwd=tree, input="\n" * 5000, text=True,
                       capture_output=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    real = _macros((tree / "include" / "autoconf.h").read_text(encoding="utf-8"))
    ours = _macros((gen / "include" / "autoconf.h").read_text(encoding="utf-8"))
    assert set(real) <= set(ours)
    unknown = {k.split("_", 1)[1] for k in set(ours) - set(real)}
    differ = {k.split("_", 1)[1] for k in real if real[k] != ours[k]}
    assert unknown == {"FEATURE_DI_ENV_HACK", "PLATFORM_LINUX"}
    assert all(real[f"CONFIG_{k}"] == '""' for k in differ), differ
    compiled = "".join(Path(src, s).read_text(encoding="utf-8", errors="replace")
                       for s in busybox_files.sources())
    headers = "".join(p.read_text(encoding="utf-8", errors="replace")
                      for p in (src / "include").glob("*.h"))
    for name in unknown | differ:
        assert name not in compiled and name not in headers, name
