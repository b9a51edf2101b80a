"""Helpers for the store tests: building trees, describing them, driving Nix as an oracle."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

from sx.store.hashing import Digest
from sx.store.local import LocalStore
from sx.store.path import StorePath

MIB = 1 << 20

# What a tree looks like, independent of where it is: relative path ->
# ("d",) for a directory, ("l", target) for a symlink, ("f", executable, sha256).
Shape = dict[str, tuple[object, ...]]


def write(path: Path, data: bytes | str, executable: bool = False) -> Path:
    """Create a file (and its parents) with ``data``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    path.chmod(0o755 if executable else 0o644)
    return path


def pseudo(seed: str, size: int) -> bytes:
    """Reproducible incompressible bytes."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"{seed}/{counter}".encode()).digest()
        counter += 1
    return bytes(out[:size])


def _entry(p: str) -> tuple[object, ...]:
    st = os.lstat(p)
    if stat.S_ISLNK(st.st_mode):
        return ("l", os.readlink(p))
    if stat.S_ISDIR(st.st_mode):
        return ("d",)
    with open(p, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    return ("f", bool(st.st_mode & stat.S_IXUSR), digest)


def shape(root: Path | str) -> Shape:
    """The tree at ``root`` as types, exec bits, link targets and content hashes.

    The root itself is ``"."``; a file or symlink root is just that entry.
    """
    out: Shape = {".": _entry(str(root))}
    if out["."] != ("d",):
        return out
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            out[os.path.relpath(p, root)] = _entry(p)
    return out


def rich_tree(root: Path, large: int = 3 * MIB) -> Path:
    """A tree with every kind of entry the archive knows, and awkward sizes and names."""
    write(root / "README", "hello\n")
    write(root / "eight", b"12345678")
    write(root / "empty-file", b"")
    write(root / "bin" / "tool", "#!/bin/sh\necho hi\n", executable=True)
    write(root / "bin" / "exec-8", b"\x7fELF1234", executable=True)
    write(root / "data" / "large.bin", pseudo("large", large))
    write(root / "data" / "aligned.bin", pseudo("aligned", 2 * MIB))
    write(root / "data" / "odd.bin", pseudo("odd", 65537))
    write(root / "ünïcødé" / "日本語.txt", "unicode names\n")
    write(root / "sort" / "B", "upper")
    write(root / "sort" / "a", "lower")
    write(root / "sort" / "a-b", "dash")
    write(root / "sort" / "a.b", "dot")
    write(root / "sort" / "a0", "digit")
    (root / "empty-dir" / "nested-empty").mkdir(parents=True)
    os.symlink("README", root / "link-to-file")
    os.symlink("bin", root / "link-to-dir")
    os.symlink("/nonexistent/target", root / "dangling")
    os.symlink("../../README", root / "data" / "up")
    return root


def many_files(root: Path, count: int, size: int = 3000) -> Path:
    """``count`` small files spread over subdirectories (exercises the thread pool)."""
    for i in range(count):
        write(root / f"d{i // 50:03d}" / f"f{i:05d}", pseudo(f"many{i}", size + i % 13),
              executable=i % 11 == 0)
    return root


def add_with_refs(store: LocalStore, name: str, refs: tuple[StorePath, ...] = ()) -> StorePath:
    """A one-file store path whose contents mention its references (as real outputs would)."""
    text = name + "\n" + "".join(f"{r}\n" for r in refs)
    return store.add_bytes(text.encode(), name, references=refs).path


def chain(store: LocalStore) -> dict[str, StorePath]:
    """lib <- app <- top, plus tool <- top: a small closure to query."""
    lib = add_with_refs(store, "lib")
    app = add_with_refs(store, "app", (lib,))
    tool = add_with_refs(store, "tool")
    top = add_with_refs(store, "top", (app, tool))
    return {"lib": lib, "app": app, "tool": tool, "top": top}


def nix_dump(path: Path) -> bytes:
    """The archive of ``path`` as Nix writes it."""
    return subprocess.run(["nix-store", "--dump", str(path)], capture_output=True,
                          check=True, timeout=120).stdout


def nix_dump_b3(path: Path) -> Digest:
    """``nix-store --dump PATH | b3sum``: the oracle for sx's archive hash."""
    out = subprocess.run(f"nix-store --dump '{path}' | b3sum --no-names", shell=True,
                         capture_output=True, text=True, check=True, timeout=120).stdout
    return Digest.parse("b3:" + out.strip())


def nix_restore(archive: bytes, dest: Path) -> None:
    """Unpack an archive with Nix."""
    subprocess.run(["nix-store", "--restore", str(dest)], input=archive, check=True,
                   capture_output=True, timeout=120)


def store_is_clean(store: LocalStore) -> None:
    """Nothing unregistered on disk, no temp dirs left, and the store verifies."""
    assert store.unregistered_entries() == []
    leftovers = [n for n in os.listdir(store.tmp)]
    assert leftovers == [], leftovers
    assert store.verify(check_contents=True) == []


def corrupt_byte(data: bytes, offset: int) -> bytes:
    """``data`` with one byte flipped."""
    return data[:offset] + bytes([data[offset] ^ 0xFF]) + data[offset + 1:]


Factory = Callable[[Path], Path]
