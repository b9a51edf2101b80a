"""Collections while ``sx realize`` runs sandboxed builds in another process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from gc_support import RunSx, registered_and_on_disk, sx_env
from sx.derivations.examples import busybox_tree
from sx.store.gc import find_roots
from sx.store.local import LocalStore
from sx.store.path import StorePath

RECIPE = '''
from sx.derivations.model import Source, derivation

busybox = Source({busybox!r}, "busybox")
data = Source({data!r}, "gc-input-data")
sh = f"{{busybox}}/bin/sh"


def dep():
    return derivation("gc-dep", sh, ["-c", "echo dep-output > $out"], srcs=[busybox])


def slow():
    d = dep()
    script = f"sleep {sleep}; cat {{d.out}} {{data}}/file > $out; echo {{data}} >> $out"
    return derivation("gc-slow", sh, ["-c", script], inputs=[d], srcs=[busybox, data])
'''


def write_recipe(tmp: Path, sleep: float) -> str:
    """The recipe file: a dependency, and a slow build reading it and a data source."""
    data = tmp / "data"
    data.mkdir()
    (data / "file").write_text("precious input\n")
    busybox_tree(str(tmp / "busybox"))
    recipe = tmp / "recipe.py"
    recipe.write_text(RECIPE.format(busybox=str(tmp / "busybox"), data=str(data), sleep=sleep))
    return str(recipe)


@pytest.mark.sandbox
def test_gc_during_a_build_deletes_none_of_its_inputs(root: str, store: LocalStore, sx: RunSx,
                                                       tmp_path: Path) -> None:
    recipe = write_recipe(tmp_path, sleep=4)
    # Built by a process that has exited: from now on the output is garbage,
    # reachable only from the build below.
    r = sx("realize", "-q", f"{recipe}:dep")
    assert r.returncode == 0, r.stderr
    dep = StorePath.parse(r.stdout.strip())
    result = str(tmp_path / "result")
    build = subprocess.Popen(
        [sys.executable, "-m", "sx.cli.main", "realize", f"{recipe}:slow", "-o", result],
        env=sx_env(root), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert build.stderr is not None
    while "gc-slow" not in (line := build.stderr.readline()):
        assert line, "the build ended before it started"
    inputs = store.closure([dep]) | {p for p in store.all_paths()
                                     if p.name in ("busybox", "gc-input-data")}
    assert len(inputs) == 3
    started = time.monotonic()
    r = sx("gc")
    assert r.returncode == 0, r.stderr
    assert time.monotonic() - started < 4, "the GC must not wait for the build"
    assert not set(r.stdout.split()) & {str(p) for p in inputs}
    assert all(store.is_valid(p) for p in inputs)
    out, err = build.communicate(timeout=120)
    assert build.returncode == 0, err
    built = StorePath.parse(out.strip())
    text = Path(store.real_path(built)).read_text()
    data = next(p for p in inputs if p.name == "gc-input-data")
    assert text == f"dep-output\nprecious input\n{data}\n"
    # Now only the out-link keeps the output, and through its reference, the data.
    r = sx("gc")
    assert r.returncode == 0, r.stderr
    assert registered_and_on_disk(store)[0] == {built.base, data.base}
    assert [r.path for r in find_roots(store)] == [built]
    os.unlink(result)
    assert sx("gc").returncode == 0
    assert registered_and_on_disk(store) == (set(), set())
    assert sx("store", "verify").returncode == 0
