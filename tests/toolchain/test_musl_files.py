"""musl's build without a shell: the kept file lists, the kaem script, and musl-gen.

The lists are checked against the pinned tarball, and musl-gen's headers against
what musl's own sed script writes, in the real sandbox (shares the toolchain
session store). That the whole tree is the one a shell build wrote is checked
by the routes agreeing (test_hex0_route.py: the fixpoint's musl-1 is tcc-2's).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from sx.derivations.bootstrap.toolchain import musl, musl_files
from sx.store.local import LocalStore
from toolchain_helpers import build

KAEM_MAX_WORDS = 256
"""kaem 1.4.0 (the seed's) takes at most 256 words per command (``MAX_ARRAY``)..."""
KAEM_MAX_TOKEN = 4096
"""... each shorter than 4,096 characters (``MAX_STRING``)."""


def test_plan_follows_musls_rules() -> None:
    names = ["src/a/x.c", "src/a/y.c", "src/a/x86_64/y.s", "src/a/x86_64/z.S",
             "src/complex/c.c", "src/math/m.c", "src/math/x86_64/m.c", "src/fenv/x86_64/f.s",
             "src/malloc/mallocng/g.c", "src/a/deep/no.c", "src/a/notc.h",
             "include/stdio.h", "include/sys/x.h", "include/alltypes.h.in",
             "arch/generic/bits/a.h", "arch/generic/bits/b.h", "arch/x86_64/bits/b.h",
             "arch/x86_64/bits/alltypes.h.in", "arch/x86_64/bits/syscall.h.in",
             "arch/generic/bits/syscall.h"]
    files = musl_files.plan(reversed(names))
    # x86_64's y.s replaces y.c; complex and the x87 math/fenv are left out.
    assert files.sources == ("src/a/x.c", "src/a/x86_64/y.s", "src/a/x86_64/z.S",
                             "src/malloc/mallocng/g.c", "src/math/m.c")
    headers = dict(files.headers)
    assert headers["include/bits/b.h"] == "arch/x86_64/bits/b.h"
    assert headers["include/bits/a.h"] == "arch/generic/bits/a.h"
    assert headers["include/alltypes.h.in"] == "include/alltypes.h.in"
    assert "include/bits/syscall.h" not in headers  # the generated one is installed
    assert set(headers) == {"include/stdio.h", "include/sys/x.h", "include/alltypes.h.in",
                            "include/bits/a.h", "include/bits/b.h"}
    assert musl_files.parse(musl_files.render(files)) == files


def test_the_kept_lists_parse_and_bad_lines_are_named() -> None:
    files = musl_files.files()
    assert len(files.sources) == len(set(files.sources)) > 1000
    assert "src/internal/x86_64/syscall6_tcc.s" in files.sources  # a patch creates it
    with pytest.raises(ValueError, match=r"musl-1\.2\.3\.files:2: not 'source PATH'"):
        musl_files.parse("source a.c\nheader only-one\n")


def test_kaem_script_fits_kaems_limits_and_compiles_each_source_once() -> None:
    text = musl.kaem_script("/cc", "/cflags", "/objects", "/mktree")
    lines = text.splitlines()
    for line in lines:
        words = line.split(" ")
        assert len(words) < KAEM_MAX_WORDS and max(map(len, words)) < KAEM_MAX_TOKEN, line
    compiled = [line.split(" -c ")[1].split(" ")[0] for line in lines if " -c " in line]
    assert sorted(compiled) == sorted([*musl_files.files().sources, *musl.CRT])
    # Each object's folder is made before anything is written into it, parents first.
    made = [line.split(" ")[1] for line in lines if line.startswith("/mktree /build/")]
    assert made[0] == "/build/obj"
    assert all(os.path.dirname(d) in made for d in made[1:])
    # The patched sources compile inside the overlay, under their names in the source.
    cds = [i for i, line in enumerate(lines) if line.startswith("cd ")]
    overlay = lines[cds[0] + 1:cds[1]]
    assert [line.split(" -c ")[1].split(" ")[0] for line in overlay] == [
        "src/internal/x86_64/syscall6_tcc.s", "src/math/sqrtl.c", "src/signal/x86_64/sigsetjmp.s"]


def _tree_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.mark.sandbox
@pytest.mark.slow
def test_kept_lists_are_what_the_pinned_tarball_gives(tstore: LocalStore) -> None:
    [src] = build(tstore, [musl.musl_tree()])
    names = _tree_files(Path(tstore.real_path(src)))
    assert musl_files.render(musl_files.plan([*names, *musl.created()])) == \
        musl_files.render(musl_files.files()), "run musl_files.plan and rewrite the data file"


@pytest.mark.sandbox
@pytest.mark.slow
def test_musl_gen_writes_what_musls_sed_writes(tstore: LocalStore, tmp_path: Path) -> None:
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
    [tool] = build(tstore, [musl.musl_gen()])
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


@pytest.mark.sandbox
@pytest.mark.slow
def test_musl_gen_refuses_bad_input_with_one_line(tstore: LocalStore, tmp_path: Path) -> None:
    [tool] = build(tstore, [musl.musl_gen()])
    exe = tstore.real_path(tool)
    long_line = tmp_path / "long.in"
    long_line.write_text("TYPEDEF " + "x" * 5000 + " t;\n")
    out = tmp_path / "out.h"
    cases = [
        (["alltypes", str(out), str(long_line)], f"musl-gen: {long_line}: line too long"),
        (["alltypes", str(out), str(tmp_path / "missing")],
         f"musl-gen: {tmp_path / 'missing'}: cannot read the file"),
        (["syscall", str(long_line), str(long_line)], f"musl-gen: {long_line}: exists already"),
        (["sed", str(out), str(long_line)], "usage: musl-gen"),
    ]
    for args, message in cases:
        r = subprocess.run([exe, *args], capture_output=True, text=True, timeout=30)
        assert (r.returncode, r.stderr.splitlines()) == (1, [r.stderr.strip()]), args
        assert r.stderr.startswith(message), (args, r.stderr)
        out.unlink(missing_ok=True)
