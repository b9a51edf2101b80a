"""Which store paths go into which layer, and the bytes of each layer.

Policy (docs/oci.md): rank the closure's paths by *popularity*, the number
of paths in the closure whose own closure contains them (a library used by
everything ranks first, the roots last), ties broken by base name. With a
cap of N layers, the first N-1 ranked paths get a layer each and every other
path, plus the ``--link`` symlinks, shares a final layer; when the whole
closure fits (and there are no links) each path gets its own layer. Nothing
is dropped, and the plan depends only on the closure's paths and references.

A layer's tar holds ``sx/``, ``sx/store/`` and then each of its store paths,
depth first in byte order, modes normalized (see tarstream.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sx.store.errors import InvalidInput
from sx.store.info import PathInfo
from sx.store.local import LocalStore
from sx.store.oci.tarstream import TarWriter, Writable, add_tree
from sx.store.path import StorePath

STORE_DIR_MODE = 0o755
TREE_DIR_MODE = 0o555
LINK_DIR_MODE = 0o755


@dataclass(frozen=True, order=True)
class Link:
    """A symlink added to the image root: ``name`` (absolute) -> a file in a store path."""

    name: str
    target: StorePath
    subpath: str = ""

    @property
    def target_text(self) -> str:
        """The absolute link target, ``/sx/store/<base>[/subpath]``."""
        return f"{self.target}/{self.subpath}" if self.subpath else str(self.target)


@dataclass(frozen=True)
class LayerPlan:
    """The store paths (sorted) and links that make up one layer."""

    paths: tuple[StorePath, ...]
    links: tuple[Link, ...] = ()


def popularity(infos: Mapping[StorePath, PathInfo]) -> dict[StorePath, int]:
    """For each path, how many paths of the closure have it in their closure (itself too)."""
    referrers: dict[StorePath, list[StorePath]] = {p: [] for p in infos}
    for p, info in infos.items():
        for r in info.references:
            if r != p and r in referrers:
                referrers[r].append(p)
    index = {p: i for i, p in enumerate(sorted(infos))}
    # Bit i of ancestors[p] is set when path i reaches p; memoised depth-first.
    ancestors: dict[StorePath, int] = {}
    for start in sorted(infos):
        stack = [start]
        while stack:
            p = stack[-1]
            if p in ancestors:
                stack.pop()
                continue
            todo = [r for r in referrers[p] if r not in ancestors]
            if todo:
                stack.extend(todo)
                continue
            mask = 1 << index[p]
            for r in referrers[p]:
                mask |= ancestors[r]
            ancestors[p] = mask
            stack.pop()
    return {p: m.bit_count() for p, m in ancestors.items()}


def rank(infos: Mapping[StorePath, PathInfo]) -> list[StorePath]:
    """The closure's paths, most popular first; ties in base-name order."""
    pop = popularity(infos)
    return sorted(infos, key=lambda p: (-pop[p], p.base))


def plan_layers(infos: Mapping[StorePath, PathInfo], max_layers: int,
                links: tuple[Link, ...] = ()) -> list[LayerPlan]:
    """Assign every path of the closure (and the links) to at most ``max_layers`` layers."""
    if max_layers < 1:
        raise InvalidInput(f"export-oci: --max-layers must be at least 1, got {max_layers}")
    if not infos:
        raise InvalidInput("export-oci: nothing to export (empty closure)")
    ranked = rank(infos)
    if not links and len(ranked) <= max_layers:
        return [LayerPlan((p,)) for p in ranked]
    own = ranked[: max_layers - 1]
    rest = tuple(sorted(ranked[max_layers - 1 :]))
    return [LayerPlan((p,)) for p in own] + [LayerPlan(rest, tuple(sorted(links)))]


# A virtual directory tree of the image root: a dict per directory; leaves are
# links or the store paths (under "sx/store").
_Tree = dict[bytes, "_Tree | Link | StorePath"]


def _image_tree(plan: LayerPlan) -> _Tree:
    root: _Tree = {}
    if plan.paths:
        store: _Tree = {p.base.encode(): p for p in plan.paths}
        root[b"sx"] = {b"store": store}
    for link in plan.links:
        node = root
        *parents, leaf = link.name.strip("/").encode().split(b"/")
        for part in parents:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise InvalidInput(f"export-oci: link {link.name}: a parent is another link")
            node = child
        if leaf in node:
            raise InvalidInput(f"export-oci: link {link.name}: clashes with another link")
        node[leaf] = link
    return root


def _dir_mode(prefix: bytes) -> int:
    return STORE_DIR_MODE if prefix in (b"sx", b"sx/store") else LINK_DIR_MODE


def _write_tree(tar: TarWriter, store: LocalStore, node: _Tree, prefix: bytes) -> None:
    for name in sorted(node):
        child = node[name]
        path = prefix + b"/" + name if prefix else name
        if isinstance(child, dict):
            tar.directory(path, _dir_mode(path))
            _write_tree(tar, store, child, path)
        elif isinstance(child, Link):
            tar.symlink(path, child.target_text.encode())
        else:
            add_tree(tar, store.real_path(child).encode(), path, TREE_DIR_MODE)


def write_layer(store: LocalStore, plan: LayerPlan, out: Writable, mtime: int) -> None:
    """Write the uncompressed tar of one layer to ``out``."""
    tar = TarWriter(out, mtime)
    _write_tree(tar, store, _image_tree(plan), b"")
    tar.close()
