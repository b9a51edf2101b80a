"""The collector as a real process, against other real processes: holds, adds, imports, kills."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import pytest
from gc_support import Helper, RunSx, add, bulk, chain, registered_and_on_disk, root_link, sx_env
from sx.store.local import LocalStore
from sx.store.path import StorePath
from sx.store.transfer import export_paths

StartHelper = Callable[..., Helper]


def test_gc_spares_what_a_running_process_holds(store: LocalStore, sx: RunSx,
                                                helper: StartHelper) -> None:
    inputs = chain(store, "input", 4)  # reachable only from the helper's temp root
    other = add(store, "other")
    h = helper("hold", str(inputs[-1]))
    assert h.until("ready") == []
    r = sx("gc")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [str(other)]
    assert all(store.is_valid(p) for p in inputs)
    h.finish()
    r = sx("gc")
    assert sorted(r.stdout.split()) == sorted(map(str, inputs))
    assert sx("store", "verify").returncode == 0


def test_protect_after_a_gc_reports_what_is_gone(store: LocalStore, sx: RunSx,
                                                 helper: StartHelper) -> None:
    gone = add(store, "gone")
    assert sx("gc").returncode == 0
    h = helper("hold", str(gone))
    assert h.until("ready") == [f"missing {gone}"]
    h.finish()


def test_paths_added_during_gcs_survive(store: LocalStore, sx: RunSx,
                                        helper: StartHelper) -> None:
    bulk(store, "garbage", 1500, files=2)  # keeps each collection busy for a while
    h = helper("adds", "150", "during", "0.002")
    added: list[str] = []
    gcs = 0
    while True:
        r = sx("gc")
        assert r.returncode == 0, r.stderr
        gcs += 1
        assert not set(r.stdout.split()) & set(added)
        line = h.line()
        while line != "done":
            added.append(line)
            if len(added) % 20 == 0:
                break
            line = h.line()
        if line == "done":
            break
    assert gcs >= 3 and len(added) == 150
    assert sx("gc").returncode == 0  # the helper still holds everything it added
    paths = [store.parse_path(a) for a in added]
    assert store.closure(paths[-1:]) == set(paths)
    assert sx("store", "verify", "--check-contents").returncode == 0
    h.finish()


def test_gc_concurrent_with_a_stream_of_adds(store: LocalStore, root: str,
                                             helper: StartHelper) -> None:
    """GC processes run back to back while another process adds without pause."""
    bulk(store, "garbage", 800, files=1)
    h = helper("adds", "300", "busy")
    gc_procs = 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        r = subprocess.run([sys.executable, "-m", "sx.cli.main", "gc"], env=sx_env(root),
                           capture_output=True, text=True, timeout=60, check=False)
        assert r.returncode == 0, r.stderr
        gc_procs += 1
        if h.proc.poll() is not None or gc_procs >= 8:
            break
    added = h.until("done")
    paths = [store.parse_path(a) for a in added]
    assert store.closure(paths[-1:]) == set(paths)
    assert all(os.path.exists(store.real_path(p)) for p in paths)
    h.finish()
    assert store.verify(check_contents=True) == []


def test_an_import_during_gc_survives(store: LocalStore, root: str, tmp_path: object,
                                      helper: StartHelper) -> None:
    source = LocalStore(os.path.join(str(tmp_path), "source"))
    shipped = chain(source, "shipped", 30)
    stream = os.path.join(str(tmp_path), "stream")
    with open(stream, "wb") as f:
        export_paths(source, shipped, f)
    bulk(store, "garbage", 2000, files=2)
    log = os.path.join(str(tmp_path), "gc.out")
    with open(log, "w") as out:
        gc_proc = subprocess.Popen([sys.executable, "-m", "sx.cli.main", "gc"],
                                   env=sx_env(root), stdout=out)
    while not os.path.getsize(log) and gc_proc.poll() is None:
        time.sleep(0.005)  # wait until the collector is sweeping
    h = helper("import", stream)
    imported = h.until("done")
    assert gc_proc.wait(timeout=120) == 0
    with open(log) as f:
        assert not set(f.read().split()) & set(imported)
    assert sorted(imported) == sorted(map(str, shipped))
    assert store.closure(shipped[-1:]) == set(shipped)
    h.finish()
    assert store.verify(check_contents=True) == []


def _sigkill_gc_after(root: str, lines: int) -> int:
    proc = subprocess.Popen([sys.executable, "-m", "sx.cli.main", "gc"], env=sx_env(root),
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    seen = 0
    while seen < lines and proc.stdout.readline():
        seen += 1
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return seen


@pytest.mark.parametrize("after", [
    1, 256, pytest.param(255, marks=pytest.mark.slow), pytest.param(700, marks=pytest.mark.slow)])
def test_gc_killed_mid_sweep_leaves_a_consistent_store(root: str, store: LocalStore,
                                                        sx: RunSx, after: int) -> None:
    keep = bulk(store, "keep", 50, refs_of=lambda i, ps: ps[-2:])
    root_link(store, "keep", keep[-1])
    dead = bulk(store, "dead", 1500, files=3, refs_of=lambda i, ps: ps[-3:][: i % 4])
    seen = _sigkill_gc_after(root, after)
    assert seen == after
    left = [p for p in dead if store.is_valid(p)]
    assert 0 < len(left) < len(dead), "the kill should land mid-sweep"
    r = sx("store", "verify", "--check-contents")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "consistent" in r.stderr
    reg, disk = registered_and_on_disk(store)
    assert reg == disk
    assert store.closure(keep[-1:]) == set(keep)
    assert store.closure(left) == set(left)
    assert [n for n in os.listdir(store.tmp)] == []
    r = sx("gc")
    assert r.returncode == 0, r.stderr
    assert registered_and_on_disk(store)[0] == {p.base for p in keep}


@pytest.mark.slow
def test_gc_killed_at_random_moments(root: str, store: LocalStore, sx: RunSx) -> None:
    keep = bulk(store, "keep", 20, refs_of=lambda i, ps: ps[-1:])
    root_link(store, "keep", keep[-1])
    for delay in (0.05, 0.15, 0.3, 0.5):
        bulk(store, f"dead{int(delay * 100)}-", 1000, files=2, refs_of=lambda i, ps: ps[-2:])
        proc = subprocess.Popen([sys.executable, "-m", "sx.cli.main", "gc"], env=sx_env(root),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.kill()
        proc.wait()
        r = sx("store", "verify")
        assert r.returncode == 0, r.stdout + r.stderr
        reg, disk = registered_and_on_disk(store)
        assert reg == disk
        assert store.closure([StorePath.from_base(b) for b in reg]) == {
            StorePath.from_base(b) for b in reg}
    assert sx("gc").returncode == 0
    assert registered_and_on_disk(store)[0] == {p.base for p in keep}


def test_cli_dry_run_deletes_nothing(store: LocalStore, sx: RunSx) -> None:
    kept = chain(store, "kept", 2)
    dead = chain(store, "dead", 3)
    root_link(store, "top", kept[-1])
    before = registered_and_on_disk(store)
    r = sx("gc", "--dry-run")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [str(p) for p in reversed(dead)]
    assert "would delete 3 store paths" in r.stderr
    assert registered_and_on_disk(store) == before


def test_cli_max_freed_stops_early(store: LocalStore, sx: RunSx) -> None:
    dead = bulk(store, "d", 100, files=1)
    one = store.require(dead[0]).nar_size
    r = sx("gc", "--max-freed", f"{one * 10 // 1024 + 1}K")
    assert r.returncode == 0, r.stderr
    n = len(r.stdout.split())
    assert 10 <= n < 100 and "stopped at --max-freed" in r.stderr
    assert len(store.all_paths()) == 100 - n
    assert sx("store", "verify").returncode == 0


def test_cli_bad_size_is_a_usage_error(sx: RunSx) -> None:
    r = sx("gc", "--max-freed", "lots")
    assert r.returncode == 2 and "parse size 'lots'" in r.stderr


def test_cli_keep_flags(store: LocalStore, sx: RunSx) -> None:
    from sx.store.hashing import Digest
    from sx.store.info import Realisation

    drv = store.add_bytes(b"d", "x.drv", kind="drv").path
    out = store.add_bytes(b"o", "x").path
    store.register_realisation(Realisation(Digest.b3(b"r"), "out", out), drv)
    store.temp_roots.close()
    root_link(store, "drv", drv)
    assert sx("gc", "--keep-outputs", "--dry-run").stdout == ""
    assert sx("gc", "--keep-derivations", "--dry-run").stdout.split() == [str(out)]
