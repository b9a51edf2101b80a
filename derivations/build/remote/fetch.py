"""Bringing an action's outputs back: from an ``ActionResult`` into the scratch store.

Each expected output ``sx/store/<scratch base>`` is a file, a directory
(a ``Tree`` message) or a symlink in the result. A directory is turned into
a NAR stream and unpacked by the store's one archive reader
(:func:`sx.store.nar.restore`), so names, sorting, duplicates and limits are
checked exactly as for any archive; every file's bytes are checked against
their digest while they stream. A result that names a path sx did not ask
for, a blob that does not match, or a malformed tree is :class:`RemoteError`
and leaves nothing behind; registration then sees no output.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping

from google.protobuf.message import DecodeError
from sx.derivations.build.remote.cas import Cas
from sx.derivations.build.remote.digests import BlobDigest, digest_bytes
from sx.derivations.build.remote.errors import RemoteError
from sx.derivations.build.remote.merkle import STORE_PREFIX
from sx.derivations.build.remote.proto import remote_execution_pb2 as re_pb
from sx.store import nar
from sx.store.errors import InvalidInput
from sx.store.fdio import write_all
from sx.store.fsutil import remove_tree
from sx.store.narformat import (
    CLOSE,
    CONTENTS,
    DIRECTORY,
    ENTRY,
    EXECUTABLE,
    HEADER,
    NODE,
    REGULAR,
    SYMLINK,
    TARGET,
    frame,
    padding,
)

# A Tree message is held in memory; refuse absurd ones before reading them.
MAX_TREE = 256 << 20


def output_path(base: str) -> str:
    """The path (relative to the input root) where an action leaves output ``base``."""
    return f"{STORE_PREFIX}/{base}"


def prefetch(cas: Cas, result: re_pb.ActionResult,
             first: Iterable[BlobDigest] = ()) -> dict[BlobDigest, bytes]:
    """The small blobs a result's outputs start with, verified, in one read:
    ``first`` (the logs), then the output files, then the directory outputs'
    ``Tree`` messages, as many as one batch holds (the rest is read as needed).
    """
    wanted = [*first, *(BlobDigest.of(f.digest) for f in result.output_files),
              *(BlobDigest.of(d.tree_digest) for d in result.output_directories)]
    batch: list[BlobDigest] = []
    size = 0
    for d in dict.fromkeys(wanted):  # in order, each once
        if size + d.size <= cas.batch:
            batch.append(d)
            size += d.size
    return cas.read_blobs(batch) if batch else {}


def fetch_outputs(cas: Cas, result: re_pb.ActionResult, dests: Mapping[str, str],
                  pre: Mapping[BlobDigest, bytes] | None = None) -> None:
    """Write each expected output ``{relative path: host path}`` that ``result`` holds.

    ``pre``: blobs already read (:func:`prefetch`). An output missing from the
    result is left absent (registration reports it); anything else wrong is
    :class:`RemoteError` with nothing written.
    """
    pre = pre or {}
    files = {f.path: f for f in result.output_files}
    dirs = {d.path: d for d in result.output_directories}
    links = {s.path: s for s in (*result.output_symlinks, *result.output_file_symlinks,
                                 *result.output_directory_symlinks)}
    for rel in [*files, *dirs, *links]:
        if rel not in dests:
            raise RemoteError(f"remote {cas.url}: result names output {rel!r}, which the "
                              "action did not declare")
    done: list[str] = []
    try:
        for rel, dest in sorted(dests.items()):
            kinds = [k for k in (files.get(rel), dirs.get(rel), links.get(rel)) if k]
            if len(kinds) > 1:
                raise RemoteError(f"remote {cas.url}: result names output {rel!r} twice")
            if not kinds:
                continue
            done.append(dest)
            if rel in files:
                _file(cas, files[rel], dest, pre)
            elif rel in dirs:
                _directory(cas, dirs[rel], dest, pre)
            else:
                _symlink(cas, links[rel], dest)
    except BaseException:
        for d in done:
            remove_tree(d)
        raise


def _file(cas: Cas, f: re_pb.OutputFile, dest: str, pre: Mapping[BlobDigest, bytes]) -> None:
    d = BlobDigest.of(f.digest)
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                 0o755 if f.is_executable else 0o644)
    try:
        if d in pre:
            write_all(fd, pre[d])
        elif f.contents and digest_bytes(cas.fn, f.contents) == d:
            write_all(fd, f.contents)
        else:
            cas.read_to_file(d, fd)
    finally:
        os.close(fd)




def _symlink(cas: Cas, s: re_pb.OutputSymlink, dest: str) -> None:
    if not s.target or "\0" in s.target or len(s.target.encode()) > 4095:
        raise RemoteError(f"remote {cas.url}: output {s.path!r}: invalid symlink target")
    os.symlink(s.target, dest)


def _directory(cas: Cas, d: re_pb.OutputDirectory, dest: str,
               pre: Mapping[BlobDigest, bytes]) -> None:
    td = BlobDigest.of(d.tree_digest)
    if td.size > MAX_TREE:
        raise RemoteError(f"remote {cas.url}: output {d.path!r}: tree of {td.size} bytes")
    try:
        tree = re_pb.Tree.FromString(pre[td] if td in pre else cas.read_blob(td))
    except DecodeError:
        raise RemoteError(f"remote {cas.url}: output {d.path!r}: tree {td} is not a Tree "
                          "message") from None
    children = {}
    for c in tree.children:
        children[digest_bytes(cas.fn, c.SerializeToString(deterministic=True))] = c
    stream = _Stream(_archive(cas, tree.root, children))
    try:
        nar.restore(stream.read, dest, f"output {d.path} of a remote action")
    except InvalidInput as e:
        raise RemoteError(f"remote {cas.url}: {e}") from None


def _archive(cas: Cas, root: re_pb.Directory,
             children: Mapping[BlobDigest, re_pb.Directory]) -> Iterator[bytes]:
    """The NAR of the directory ``root`` (children by digest), file bytes fetched as needed.

    Every node is written from its type on: what comes before (``HEADER`` for
    the root, ``NODE`` for an entry) ends with the ``type`` tag.
    """
    yield HEADER
    # An explicit stack of pending byte pieces and directories keeps this iterative.
    stack: list[bytes | re_pb.Directory | Callable[[], Iterator[bytes]]] = [root]
    depth = 0
    while stack:
        item = stack.pop()
        if isinstance(item, bytes):
            yield item
            continue
        if callable(item):
            yield from item()
            continue
        depth += 1
        if depth > 1 << 20:
            raise RemoteError(f"remote {cas.url}: output tree has too many directories")
        entries: list[tuple[bytes, re_pb.FileNode | None,
                            list[bytes | re_pb.Directory | Callable[[], Iterator[bytes]]]]]
        entries = []
        for f in item.files:
            entries.append((f.name.encode(), f, []))
        for s in item.symlinks:
            entries.append((s.name.encode(), None,
                            [SYMLINK + TARGET + frame(s.target.encode()) + CLOSE]))
        for sub in item.directories:
            child = children.get(BlobDigest.of(sub.digest))
            if child is None:
                raise RemoteError(f"remote {cas.url}: output tree lacks directory "
                                  f"{BlobDigest.of(sub.digest)} ({sub.name!r})")
            entries.append((sub.name.encode(), None, [child]))
        entries.sort(key=lambda e: e[0])
        group: _Group | None = None
        for _, fnode, node in entries:
            if fnode is None:
                if node and isinstance(node[0], re_pb.Directory):
                    group = None  # a group is written with no directory in between
                continue
            d = BlobDigest.of(fnode.digest)
            if d.size <= cas.batch and (group is None or not group.room(d)):
                group = _Group(cas)
            node.extend(_file_node(cas, fnode, group if d.size <= cas.batch else None))
            if d.size <= cas.batch:
                assert group is not None
                group.add(d)
        # Pushed in reverse: the stack pops the first entry first.
        pieces: list[bytes | re_pb.Directory | Callable[[], Iterator[bytes]]] = [DIRECTORY]
        for name, _, node in entries:
            pieces.append(ENTRY + frame(name) + NODE)
            pieces.extend(node)
            pieces.append(CLOSE)  # the entry's
        pieces.append(CLOSE)  # the directory's
        stack.extend(reversed(pieces))


class _Group:
    """Small files that follow each other in the archive, fetched in one batch.

    The batch is read when the first of them is needed and dropped once the
    last is written: at most one batch is held at a time.
    """

    def __init__(self, cas: Cas) -> None:
        self.cas = cas
        self.digests: list[BlobDigest] = []
        self.size = 0
        self.data: dict[BlobDigest, bytes] | None = None
        self.left = 0

    def room(self, d: BlobDigest) -> bool:
        """Whether ``d`` still fits in this batch."""
        return self.size + d.size <= self.cas.batch

    def add(self, d: BlobDigest) -> None:
        """Add the next file's blob."""
        self.digests.append(d)
        self.size += d.size
        self.left += 1

    def take(self, d: BlobDigest) -> bytes:
        """The verified bytes of ``d`` (fetching the whole batch the first time)."""
        if self.data is None:
            self.data = self.cas.read_blobs(self.digests)
        got = self.data[d]
        self.left -= 1
        if self.left == 0:
            self.data = {}
        return got


def _file_node(cas: Cas, f: re_pb.FileNode, group: _Group | None
               ) -> list[bytes | re_pb.Directory | Callable[[], Iterator[bytes]]]:
    d = BlobDigest.of(f.digest)
    header = (REGULAR + (EXECUTABLE if f.is_executable else b"") + CONTENTS
              + d.size.to_bytes(8, "little"))

    def body() -> Iterator[bytes]:
        if group is not None:
            yield group.take(d)
        else:
            yield from cas.stream_blob(d)
        yield padding(d.size) + CLOSE

    return [header, body]


class _Stream:
    """``read(n)`` over an iterator of byte chunks."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buf = memoryview(b"")

    def read(self, n: int) -> bytes:
        """At most ``n`` bytes; empty at the end."""
        while not self._buf:
            nxt = next(self._chunks, None)
            if nxt is None:
                return b""
            self._buf = memoryview(nxt)
        out = bytes(self._buf[:n])
        self._buf = self._buf[n:]
        return out
