"""The input root of an action: the Merkle tree of a build's input closure.

The root holds ``sx/store/<base>`` for every store path of the closure: a
file, a directory tree or a symlink, exactly as in the local store. Each
directory is a ``Directory`` message (entries sorted by name, serialized
deterministically), named by its digest; files are blobs. The tree of a
store path never changes, so it is computed once per process
(:class:`InputTrees`) and only the small top directories are rebuilt per
action. The same closure therefore always gives the same root digest.
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from sx.derivations.build.remote.cas import Blob, blob_of
from sx.derivations.build.remote.digests import BlobDigest, DigestFunction, digest_file
from sx.derivations.build.remote.errors import RemoteError
from sx.derivations.build.remote.proto import remote_execution_pb2 as re_pb

STORE_PREFIX = "sx/store"
"""Where store paths live in an input root and where outputs are expected."""


@dataclass
class Node:
    """One entry of a directory: exactly one of file, directory, symlink."""

    name: str
    digest: BlobDigest | None = None
    executable: bool = False
    is_dir: bool = False
    target: str | None = None


@dataclass
class Tree:
    """A node and every blob beneath it (directory messages and files)."""

    node: Node
    blobs: dict[BlobDigest, Blob] = field(default_factory=dict)


def _name(raw: str, where: str) -> str:
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError:
        raise RemoteError(f"remote: {where}: name {raw!r} is not UTF-8 and cannot be "
                          "sent to an engine") from None
    return raw


def directory_message(nodes: Iterable[Node]) -> re_pb.Directory:
    """The ``Directory`` holding ``nodes`` (sorted by name, as the protocol requires)."""
    msg = re_pb.Directory()
    for n in sorted(nodes, key=lambda n: n.name.encode()):
        if n.is_dir:
            assert n.digest is not None
            msg.directories.add(name=n.name, digest=n.digest.to_proto())
        elif n.target is not None:
            msg.symlinks.add(name=n.name, target=n.target)
        else:
            assert n.digest is not None
            msg.files.add(name=n.name, digest=n.digest.to_proto(), is_executable=n.executable)
    return msg


def directory_blob(fn: DigestFunction, nodes: Iterable[Node]) -> Blob:
    """The serialized ``Directory`` of ``nodes`` as a blob."""
    return blob_of(fn, directory_message(nodes).SerializeToString(deterministic=True))


def tree_of(fn: DigestFunction, path: str, name: str) -> Tree:
    """The tree of the file, directory or symlink at ``path``, named ``name``.

    Walks iteratively (post-order: a directory's message needs its children's
    digests); only regular files, directories and symlinks are allowed, as
    in the store.
    """
    blobs: dict[BlobDigest, Blob] = {}
    # Each frame: (host path, name, child nodes so far, remaining child names).
    st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode):
        return Tree(_leaf(fn, path, name, st, blobs), blobs)
    stack: list[tuple[str, str, list[Node], list[str]]] = [
        (path, name, [], sorted(os.listdir(path), reverse=True))]
    while True:
        dpath, dname, nodes, todo = stack[-1]
        if todo:
            child = todo.pop()
            cpath = os.path.join(dpath, child)
            cst = os.lstat(cpath)
            cname = _name(child, cpath)
            if stat.S_ISDIR(cst.st_mode):
                stack.append((cpath, cname, [], sorted(os.listdir(cpath), reverse=True)))
            else:
                nodes.append(_leaf(fn, cpath, cname, cst, blobs))
            continue
        stack.pop()
        blob = directory_blob(fn, nodes)
        blobs[blob.digest] = blob
        node = Node(dname, blob.digest, is_dir=True)
        if not stack:
            return Tree(node, blobs)
        stack[-1][2].append(node)


def _leaf(fn: DigestFunction, path: str, name: str, st: os.stat_result,
          blobs: dict[BlobDigest, Blob]) -> Node:
    if stat.S_ISLNK(st.st_mode):
        return Node(name, target=_name(os.readlink(path), path))
    if not stat.S_ISREG(st.st_mode):
        raise RemoteError(f"remote: {path}: not a regular file, directory or symlink")
    d = digest_file(fn, path)
    blobs.setdefault(d, Blob(d, path=path))
    return Node(name, d, executable=bool(st.st_mode & 0o100))


class InputTrees:
    """Trees of store paths, computed once each (thread-safe)."""

    def __init__(self, fn: DigestFunction) -> None:
        self.fn = fn
        self._trees: dict[str, Tree] = {}
        self._lock = threading.Lock()

    def tree(self, real: str, base: str) -> Tree:
        """The tree of the store path ``base`` whose files are at ``real``."""
        with self._lock:
            t = self._trees.get(base)
        if t is None:
            t = tree_of(self.fn, real, base)
            with self._lock:
                t = self._trees.setdefault(base, t)
        return t

    def root(self, paths: Iterable[tuple[str, str]]) -> Tree:
        """The input root holding ``(real path, base)`` under ``sx/store``."""
        blobs: dict[BlobDigest, Blob] = {}
        nodes = []
        for real, base in sorted(paths, key=lambda p: p[1]):
            t = self.tree(real, base)
            nodes.append(t.node)
            blobs.update(t.blobs)
        node = Node("", None, is_dir=True)
        for part in reversed(["", *STORE_PREFIX.split("/")]):
            blob = directory_blob(self.fn, nodes)
            blobs[blob.digest] = blob
            node = Node(part, blob.digest, is_dir=True)
            nodes = [node]
        return Tree(node, blobs)
