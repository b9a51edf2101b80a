"""File system helpers: canonical form, copying, removal, syncing; temp roots."""

from __future__ import annotations

import io
import os
import stat
import threading
import time
from pathlib import Path

import pytest
from deep_trees import deep_chain, open_fds
from store_helpers import add_with_refs, many_files, rich_tree, shape, write
from sx.store import nar
from sx.store.errors import InvalidInput, StorageError
from sx.store.fsutil import (
    canonicalize,
    copy_canonical,
    fsync_dir,
    make_writable,
    remove_tree,
    stream_file,
    syncfs,
)
from sx.store.local import LocalStore
from sx.store.roots import TempRoots, gc_lock_exclusive, gc_lock_shared, read_all
from tree_modes import modes


def test_canonicalize_sets_modes_and_times(tmp_path: Path) -> None:
    tree = rich_tree(tmp_path / "tree")
    os.chmod(tree / "README", 0o4775)  # setuid and group write must go
    os.chmod(tree / "eight", 0o610)     # group exec alone is not executable
    canonicalize(str(tree))
    got = modes(tree)
    assert got["README"] == (0o555, 1)
    assert got["eight"] == (0o444, 1)  # only the owner's exec bit counts
    assert got["bin"] == (0o555, 1) and got["empty-file"] == (0o444, 1)
    assert got["link-to-file"] == (0, 1) and got["."] == (0o555, 1)
    assert set(got.values()) == {(0o555, 1), (0o444, 1), (0, 1)}


def test_canonical_copy_equals_canonicalized_tree(tmp_path: Path) -> None:
    tree = rich_tree(tmp_path / "tree")
    copy_canonical(str(tree), str(tmp_path / "copy"))
    canonicalize(str(tree))
    assert modes(tmp_path / "copy") == modes(tree)
    assert nar.hash_path(tmp_path / "copy") == nar.hash_path(tree)


@pytest.mark.parametrize("mask", [0o022, 0o077])
def test_canonical_restore_equals_canonicalized_tree(tmp_path: Path, mask: int) -> None:
    tree = rich_tree(tmp_path / "tree")
    os.chmod(tree / "README", 0o4775)
    os.chmod(tree / "eight", 0o610)
    deep_chain(str(tree / "deep"), 100)  # more directories than the extractor keeps open
    data = nar.dump_bytes(tree)
    old = os.umask(mask)  # a strict umask must not show in the restored modes
    try:
        nar.restore(io.BytesIO(data).read, str(tmp_path / "restored"), canonical=True)
    finally:
        os.umask(old)
    canonicalize(str(tree))
    got = modes(tmp_path / "restored")
    assert got == modes(tree)
    assert set(got.values()) == {(0o555, 1), (0o444, 1), (0, 1)}
    assert nar.hash_path(tmp_path / "restored") == nar.hash_path(tree)


@pytest.mark.skipif(os.geteuid() != 0, reason="only a restore run as root sets owners")
def test_canonical_restore_as_root_under_another_group_gives_root_the_tree(
        tmp_path: Path) -> None:
    group = tmp_path / "group"
    group.mkdir()
    os.chown(group, 0, 1)
    os.chmod(group, 0o2755)  # setgid: what is created inside takes group 1
    data = nar.dump_bytes(rich_tree(tmp_path / "tree"))
    dest = group / "restored"
    nar.restore(io.BytesIO(data).read, str(dest), canonical=True)
    entries = [os.path.join(d, n) for d, dirs, files in os.walk(dest) for n in dirs + files]
    assert {(st.st_uid, st.st_gid) for st in map(os.lstat, [dest, *entries])} == {(0, 0)}
    assert set(modes(dest).values()) == {(0o555, 1), (0o444, 1), (0, 1)}


def test_canonicalize_refuses_special_files(tmp_path: Path) -> None:
    tree = rich_tree(tmp_path / "tree")
    os.mkfifo(tree / "fifo")
    with pytest.raises(InvalidInput, match=r"fifo'?: unsupported file type"):
        canonicalize(str(tree))


def test_remove_tree_handles_read_only_trees_files_and_absence(tmp_path: Path) -> None:
    tree = rich_tree(tmp_path / "tree")
    canonicalize(str(tree))
    remove_tree(str(tree))
    assert not os.path.lexists(tree)
    remove_tree(str(tree))  # absent is fine
    f = write(tmp_path / "f", "x")
    remove_tree(str(f))
    assert not os.path.lexists(f)


def test_remove_tree_tolerates_a_concurrent_remover(tmp_path: Path) -> None:
    for round_ in range(5):
        tree = many_files(tmp_path / f"tree{round_}", 600, size=10)
        canonicalize(str(tree))
        errors: list[BaseException] = []

        def remove(t: Path = tree, errors: list[BaseException] = errors) -> None:
            try:
                remove_tree(str(t))
            except BaseException as e:
                errors.append(e)

        threads = [threading.Thread(target=remove) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == [] and not os.path.lexists(tree)


def test_make_writable_skips_symlinked_dirs(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    os.chmod(outside, 0o500)
    tree = tmp_path / "tree"
    (tree / "d").mkdir(parents=True)
    os.symlink(outside, tree / "link")
    canonicalize(str(tree))
    make_writable(str(tree))
    assert stat.S_IMODE(os.lstat(tree / "d").st_mode) == 0o755
    assert stat.S_IMODE(os.lstat(outside).st_mode) == 0o500


def test_sync_helpers(tmp_path: Path) -> None:
    syncfs(str(tmp_path))
    fsync_dir(str(tmp_path))
    with pytest.raises(FileNotFoundError):
        syncfs(str(tmp_path / "absent"))


def test_syncfs_failure_is_a_storage_error(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from sx.store import fsutil

    class Failing:
        def syncfs(self, fd: int) -> int:
            return -1

    monkeypatch.setattr(fsutil, "_libc", Failing)
    with pytest.raises(StorageError, match="sync"):
        syncfs(str(tmp_path))


def _writeback_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "sx-writeback"]


def test_early_writeback_flushes_while_writing_and_stops(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from sx.store import fsutil

    calls: list[str] = []
    flushed = threading.Event()

    def record(path: str) -> None:
        calls.append(path)
        flushed.set()

    monkeypatch.setattr(fsutil, "syncfs", record)
    monkeypatch.setattr(fsutil, "WRITEBACK_INTERVAL", 0.01)
    where = str(tmp_path)
    with fsutil.early_writeback(where):
        with fsutil.early_writeback(where):
            # Nested (and concurrent) users of one path share one flusher.
            assert len(_writeback_threads()) == 1
            assert flushed.wait(10)
        assert _writeback_threads()
    for t in _writeback_threads():
        t.join(10)
    assert not _writeback_threads()
    assert set(calls) == {where}
    stopped = len(calls)
    time.sleep(0.05)
    assert len(calls) == stopped


def test_early_writeback_starts_nothing_for_a_small_write(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from sx.store import fsutil

    calls: list[str] = []
    monkeypatch.setattr(fsutil, "syncfs", calls.append)
    monkeypatch.setattr(fsutil, "WRITEBACK_INTERVAL", 0.001)
    with fsutil.early_writeback(str(tmp_path), fsutil.WRITEBACK_MIN - 1):
        assert not _writeback_threads()
        time.sleep(0.05)
    assert calls == []
    # At the threshold (or with no size given) the flusher runs as before.
    with fsutil.early_writeback(str(tmp_path), fsutil.WRITEBACK_MIN):
        assert len(_writeback_threads()) == 1
    for t in _writeback_threads():
        t.join(10)


def test_early_writeback_leaves_failures_to_the_final_sync(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from sx.store import fsutil

    attempts = threading.Event()

    def failing(path: str) -> None:
        attempts.set()
        raise StorageError(f"sync {path}: Input/output error")

    monkeypatch.setattr(fsutil, "syncfs", failing)
    monkeypatch.setattr(fsutil, "WRITEBACK_INTERVAL", 0.01)
    with fsutil.early_writeback(str(tmp_path)):
        assert attempts.wait(10)
        time.sleep(0.03)
        # The flusher kept going after a failure rather than dying with a traceback.
        assert _writeback_threads()


# ---- temp roots ----------------------------------------------------------------------------


def test_temp_roots_are_visible_while_held(store: LocalStore) -> None:
    p = add_with_refs(store, "kept")
    other = TempRoots(store.var)
    other.add([p])
    assert p.base in read_all(store.var)
    other.close()
    store.temp_roots.close()
    assert read_all(store.var) == set()
    assert os.listdir(os.path.join(store.var, "temproots")) == []  # dead files removed


def test_gc_lock_excludes_the_collector(store: LocalStore) -> None:
    with gc_lock_shared(store.var), gc_lock_exclusive(store.var, wait=False) as got:
        assert got is False
    with gc_lock_exclusive(store.var, wait=False) as got:
        assert got is True


def test_shape_helper_sees_modes(tmp_path: Path) -> None:
    # The oracle tests compare trees with shape(); it must notice an exec bit.
    a = write(tmp_path / "a" / "f", "x")
    b = write(tmp_path / "b" / "f", "x", executable=True)
    assert shape(a.parent) != shape(b.parent)


# ---- trees of any depth --------------------------------------------------------------


def test_deep_trees_are_canonicalized_and_removed_iteratively(tmp_path: Path) -> None:
    top = str(tmp_path / "deep")
    deep_chain(top, 5000)
    canonicalize(top)
    assert open_fds(top) == []
    fd = os.open(top, os.O_RDONLY)
    for _ in range(5000):
        nxt = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = nxt
    st = os.stat("leaf", dir_fd=fd)
    os.close(fd)
    assert (stat.S_IMODE(st.st_mode), st.st_mtime) == (0o444, 1)
    make_writable(top)
    remove_tree(top)
    assert not os.path.lexists(top)


def test_locked_directories_are_opened_up_for_removal(tmp_path: Path) -> None:
    top = tmp_path / "locked"
    write(top / "a" / "b" / "f", "x")
    for d in (top / "a" / "b", top / "a"):
        d.chmod(0)
    canonicalize(str(top))
    assert shape(top)["a/b/f"][0] == "f"
    for d in (top / "a", top / "a" / "b"):
        assert stat.S_IMODE(os.lstat(d).st_mode) == 0o555
    (top / "a").chmod(0)
    remove_tree(str(top))
    assert not os.path.lexists(top)


def test_removal_never_follows_a_symlink(tmp_path: Path) -> None:
    outside = write(tmp_path / "outside" / "keep", "mine")
    top = tmp_path / "tree"
    top.mkdir()
    os.symlink(tmp_path / "outside", top / "link")
    (tmp_path / "outside").chmod(0o500)
    remove_tree(str(top))
    (tmp_path / "outside").chmod(0o755)
    assert outside.read_text() == "mine" and not os.path.lexists(top)


def test_stream_file_feeds_exactly_the_measured_size(tmp_path: Path) -> None:
    f = tmp_path / "f"
    f.write_bytes(b"x" * 3_000_000)
    chunks: list[bytes] = []
    stream_file(str(f), 2_500_000, chunks.append, "dump")
    assert b"".join(chunks) == b"x" * 2_500_000
    assert max(len(c) for c in chunks) <= 1 << 20


def test_stream_file_refuses_a_file_that_shrank(tmp_path: Path) -> None:
    f = tmp_path / "f"
    f.write_bytes(b"abc")
    with pytest.raises(InvalidInput, match=r"^pack '.*/f': file shrank while reading$"):
        stream_file(str(f), 4, lambda _: None, "pack")


# ---- sync_trees ------------------------------------------------------------------------------


def _tree(root: Path, files: int) -> Path:
    top = root / "obj"
    (top / "sub").mkdir(parents=True)
    for i in range(files):
        (top / "sub" / f"f{i}").write_bytes(b"x" * i)
    (top / "link").symlink_to("sub/f0")
    return top


def test_sync_trees_fsyncs_each_entry_of_a_small_tree(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from sx.store import fsutil

    top = _tree(tmp_path, 3)
    single = tmp_path / "single"
    single.write_bytes(b"one file")
    toplink = tmp_path / "toplink"
    toplink.symlink_to("single")
    synced: list[str] = []
    real_fsync = os.fsync
    monkeypatch.setattr(fsutil, "syncfs", lambda path: synced.append(f"syncfs {path}"))
    monkeypatch.setattr(fsutil.os, "fsync", lambda fd: (synced.append(os.readlink(
        f"/proc/self/fd/{fd}")), real_fsync(fd))[1])
    fsutil.sync_trees([str(top), str(single), str(toplink)], str(tmp_path))
    # Every file and directory; not the symlinks, nor the directory holding the objects
    # (they leave it: the store's directory is synced after they are renamed into it).
    want = {str(top), str(top / "sub"), str(single),
            *(str(top / "sub" / f"f{i}") for i in range(3))}
    assert sorted(synced) == sorted(want)


def test_sync_trees_takes_one_syncfs_for_a_large_tree(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from sx.store import fsutil

    top = _tree(tmp_path, 10)
    calls: list[str] = []
    monkeypatch.setattr(fsutil, "syncfs", calls.append)
    monkeypatch.setattr(fsutil.os, "fsync", lambda fd: calls.append("fsync"))
    fsutil.sync_trees([str(top)], str(tmp_path), limit=5)
    assert calls == [str(tmp_path)]


def test_sync_trees_failures_are_storage_errors(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from sx.store import fsutil

    with pytest.raises(StorageError, match=r"sync .*absent"):
        fsutil.sync_trees([str(tmp_path / "absent")], str(tmp_path))
    (tmp_path / "f").write_bytes(b"data")

    def eio(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(fsutil.os, "fsync", eio)
    with pytest.raises(StorageError, match="Input/output error"):
        fsutil.sync_trees([str(tmp_path / "f")], str(tmp_path))
