"""musl's build without a shell: the kept file lists and the kaem script.

The lists are checked against the pinned tarball in the real sandbox (shares
the toolchain session store); gen-headers, which writes musl's generated
headers, is tested in test_gen_headers.py. That the whole tree is the one a
shell build wrote is checked by the routes agreeing (test_hex0_route.py: the
fixpoint's musl-1 is tcc-2's).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sx.derivations.bootstrap.stage1 import tcc_boot as boot
from sx.derivations.bootstrap.toolchain import musl, musl_files, noshell
from sx.store.local import LocalStore
from toolchain_helpers import build


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
    with pytest.raises(ValueError, match=r"musl-1\.2\.3\.files:2: not 'source' and 1 words"):
        musl_files.parse("source a.c\nheader only-one\n")


def test_kaem_lines_compile_each_source_once_in_made_folders() -> None:
    lines = noshell.script(musl.kaem_lines("/cc", "/cflags", "/objects")).splitlines()
    compiled = [line.split(" -c ")[1].split(" ")[0] for line in lines if " -c " in line]
    assert sorted(compiled) == sorted([*musl_files.files().sources, *musl.CRT])
    # Each object's folder is made before anything is written into it, parents first.
    mktree = boot.mktree().out
    made = [line.split(" ")[1] for line in lines if line.startswith(f"{mktree} /build/")]
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
