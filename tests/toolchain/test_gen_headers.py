"""sx's gen-headers: the headers musl's and busybox's builds make with sed and shell.

Checked against sed itself (the host's), on the real sources and on lines near
the rules' edges, in the real sandbox (shares the toolchain session store).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sx.derivations.bootstrap.toolchain import busybox, busybox_files, musl, noshell
from sx.store.local import LocalStore
from toolchain_helpers import build

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]


def test_musl_headers_are_what_musls_sed_writes(tstore: LocalStore, tmp_path: Path) -> None:
    src, gen = (Path(tstore.real_path(p)) for p in
                build(tstore, [musl.musl_tree(), musl.generated()]))
    bits = src / "arch" / "x86_64" / "bits"
    alltypes = subprocess.run(
        ["sed", "-f", src / "tools" / "mkalltypes.sed", bits / "alltypes.h.in",
         src / "include" / "alltypes.h.in"], check=True, capture_output=True).stdout
    nr = subprocess.run(["sed", "-n", "-e", "s/__NR_/SYS_/p", bits / "syscall.h.in"],
                        check=True, capture_output=True).stdout
    assert (gen / "include/bits/alltypes.h").read_bytes() == alltypes
    assert (gen / "include/bits/syscall.h").read_bytes() == \
        (bits / "syscall.h.in").read_bytes() + nr
    assert (gen / "src/internal/version.h").read_text() == '#define VERSION "1.2.3"\n'
    # Lines near the rules' edges, and a last line without a newline, as sed has them.
    [tool] = build(tstore, [noshell.gen_headers()])
    edges = tmp_path / "edges.in"
    edges.write_text("TYPEDEF onlyname;\nTYPEDEF  a  b;\nSTRUCT  s { int a; };\nSTRUCT s;\n"
                     "UNION u { int a; } ;\nUNION u;\n#define __NR_x 1 __NR_y\nplain\n"
                     "TYPEDEF int last;")
    mkalltypes = str(src / "tools" / "mkalltypes.sed")
    for mode, sed in (("alltypes", ["-f", mkalltypes]),
                      ("syscall", ["-n", "-e", "s/__NR_/SYS_/p"])):
        out = tmp_path / f"{mode}.h"
        subprocess.run([tstore.real_path(tool), mode, out, edges], check=True, timeout=30)
        want = subprocess.run(["sed", *sed, edges], check=True, capture_output=True).stdout
        if mode == "syscall":
            want = edges.read_bytes() + want
        assert out.read_bytes() == want, mode


def test_gen_headers_refuses_bad_input_with_one_line(tstore: LocalStore, tmp_path: Path) -> None:
    [tool] = build(tstore, [noshell.gen_headers()])
    exe = tstore.real_path(tool)
    long_line = tmp_path / "long.in"
    long_line.write_text("TYPEDEF " + "x" * 5000 + " t;\n")
    out = tmp_path / "out.h"
    cases = [
        (["alltypes", str(out), str(long_line)], f"gen-headers: {long_line}: line too long"),
        (["alltypes", str(out), str(tmp_path / "missing")],
         f"gen-headers: {tmp_path / 'missing'}: cannot read the file"),
        (["syscall", str(long_line), str(long_line)], f"gen-headers: {long_line}: exists already"),
        (["sed", str(out), str(long_line)], "usage: gen-headers"),
    ]
    for args, message in cases:
        r = subprocess.run([exe, *args], capture_output=True, text=True, timeout=30)
        assert (r.returncode, r.stderr.splitlines()) == (1, [r.stderr.strip()]), args
        assert r.stderr.startswith(message), (args, r.stderr)
        out.unlink(missing_ok=True)
    # autoconf: an OFF name the configuration lacks, and a malformed configuration line
    config, names = tmp_path / "config", tmp_path / "off"
    config.write_text("CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_S=\"x\"\nCONFIG_=y\n")
    names.write_text("# comment\nB\nC\n")
    r = subprocess.run([exe, "autoconf", str(out), str(config), str(names)],
                       capture_output=True, text=True, timeout=30)
    assert (r.returncode, r.stderr) == (1, "gen-headers: C: not a symbol of the configuration\n")
    out.unlink()
    names.write_text("A\n")
    subprocess.run([exe, "autoconf", str(out), str(config), str(names)], check=True, timeout=30)
    text = out.read_text()
    assert "#undef CONFIG_A\n#define ENABLE_A 0\n" in text
    assert "#undef CONFIG_B\n#define ENABLE_B 0\n" in text
    assert '#define CONFIG_S "x"\n#define ENABLE_S 1\n' in text
    assert text.count("#define ENABLE_") == 3  # "CONFIG_=y" names no symbol
    out.unlink()
    template = tmp_path / "t.h"
    template.write_text("a\nb\n")
    r = subprocess.run([exe, "insert", str(out), str(template), "//x:", "H", str(config)],
                       capture_output=True, text=True, timeout=30)
    assert (r.returncode, r.stderr) == (1, f"gen-headers: {template}: has no INSERT line\n")


def test_applets_h_is_what_kbuilds_script_writes(tstore: LocalStore) -> None:
    """applets.h as busybox's gen_build_files.sh makes it: the header line, the template
    to its INSERT line, the //applet: lines of every scanned file, the rest."""
    src, gen = (Path(tstore.real_path(p)) for p in
                build(tstore, [busybox.busybox_source(), busybox.generated()]))
    template = src / "include" / "applets.src.h"
    files = [src / s for s in busybox_files.applet_sources()]
    before = subprocess.run(["sed", "-n", "/^INSERT$/q;p", template], check=True,
                            capture_output=True).stdout
    lines = subprocess.run(["sed", "-n", "s@^//applet:@@p", *files], check=True,
                           capture_output=True).stdout
    after = subprocess.run(["sed", "1,/^INSERT$/d", template], check=True,
                           capture_output=True).stdout
    want = busybox.APPLETS_HEADER.encode() + b"\n" + before + lines + after
    assert (gen / "include" / "applets.h").read_bytes() == want
    assert lines.count(b"APPLET") > 300
