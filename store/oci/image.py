"""Turning a closure into an OCI image: layers, config, manifest, index; dir or archive.

:func:`export_image` is atomic: the image is built in a temp directory next
to the destination and renamed into place only when complete, so the
destination holds either nothing (or its old contents) or the whole image.
The bytes depend only on the closure and the options (docs/oci.md).
"""

from __future__ import annotations

import os
import secrets
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sx.store.errors import InvalidInput, StorageError
from sx.store.fsutil import remove_tree, syncfs
from sx.store.info import PathInfo
from sx.store.local import LocalStore
from sx.store.oci import meta
from sx.store.oci.archive import write_archive
from sx.store.oci.compress import LayerStream
from sx.store.oci.layers import LayerPlan, plan_layers, write_layer
from sx.store.oci.layout import CONFIG, MANIFEST, REF_NAME, Descriptor, LayoutWriter
from sx.store.oci.options import ImageOptions
from sx.store.path import StorePath

FORMATS = ("dir", "archive")


def export_image(store: LocalStore, roots: list[StorePath], options: ImageOptions, out: str,
                 fmt: str = "dir", force: bool = False) -> Descriptor:
    """Write the image of the closure of ``roots`` to ``out``; returns the manifest descriptor.

    ``fmt`` is ``dir`` (an image layout directory) or ``archive`` (an
    oci-archive tar). An existing ``out`` is replaced only with ``force``
    (an empty directory always may be).
    """
    if fmt not in FORMATS:
        raise InvalidInput(f"export-oci: unknown format {fmt!r} (choose dir or archive)")
    if not roots:
        raise InvalidInput("export-oci: no store paths given")
    _check_destination(out, force)
    root_infos = [store.require(p) for p in roots]
    infos = closure_infos(store, [*roots, *(link.target for link in options.links)])
    _check_links(store, options)
    plan = plan_layers(infos, options.max_layers, options.links)
    with _staging(out) as stage:
        layout = LayoutWriter(os.path.join(stage, "layout"))
        manifest = _write_image(store, layout, infos, root_infos, plan, options)
        syncfs(stage)
        if fmt == "archive":
            packed = os.path.join(stage, "image.tar")
            write_archive(layout.root, packed, options.epoch)
            _publish(packed, out)
        else:
            _publish(layout.root, out)
    return manifest


def closure_infos(store: LocalStore, paths: list[StorePath]) -> dict[StorePath, PathInfo]:
    """The path infos of the closure of ``paths``, protected from GC meanwhile."""
    for p in paths:
        store.require(p)
    closure = store.closure(paths)
    store.temp_roots.add(closure)
    return {p: store.require(p) for p in closure}


def _check_links(store: LocalStore, options: ImageOptions) -> None:
    for link in options.links:
        target = store.real_path(link.target)
        if link.subpath:
            target = os.path.join(target, link.subpath)
        if not os.path.lexists(target):
            raise InvalidInput(f"export-oci: --link {link.name}: {link.target_text} does not exist")


def _check_destination(out: str, force: bool) -> None:
    parent = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(parent):
        raise InvalidInput(f"export-oci {out}: directory {parent} does not exist")
    if force or not os.path.lexists(out):
        return
    if os.path.isdir(out) and not os.path.islink(out) and not os.listdir(out):
        return
    raise InvalidInput(f"export-oci {out}: already exists (use --force to replace it)")


@contextmanager
def _staging(out: str) -> Iterator[str]:
    """A temp dir beside ``out`` (same file system, so the final rename is atomic)."""
    parent, base = os.path.split(os.path.abspath(out))
    stage = os.path.join(parent, f".{base}.sx-tmp-{secrets.token_hex(6)}")
    try:
        os.mkdir(stage, 0o755)
    except OSError as e:
        raise StorageError(f"export-oci {out}: cannot create a temp dir: {e.strerror}") from e
    try:
        yield stage
    finally:
        with _signals_held():  # a second Ctrl-C must not stop the clean-up half way
            remove_tree(stage)


@contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block is done."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _publish(src: str, out: str) -> None:
    """Move the finished image to ``out``, replacing what was there.

    SIGINT and SIGTERM wait until both renames are done: between them the
    old image is inside the staging dir, which an interrupted export removes.
    """
    if not os.path.lexists(out):
        os.rename(src, out)
        return
    old = f"{src}.old"
    with _signals_held():
        os.rename(out, old)
        os.rename(src, out)
    remove_tree(old)


def _write_image(store: LocalStore, layout: LayoutWriter, infos: dict[StorePath, PathInfo],
                 roots: list[PathInfo], plan: list[LayerPlan],
                 options: ImageOptions) -> Descriptor:
    runtime = _runtime_config(roots, options)
    layers = [_write_layer(store, layout, infos, layer, options) for layer in plan]
    created = iso_time(options.epoch)
    config = {
        "created": created,
        "architecture": options.arch,
        "os": "linux",
        "config": runtime,
        "rootfs": {"type": "layers", "diff_ids": [diff for _, diff in layers]},
        "history": [{"created": created, "created_by": "sx export-oci",
                     "comment": _describe(layer)} for layer in plan],
    }
    config_desc = layout.add_json(config, CONFIG)
    manifest = {
        "schemaVersion": 2,
        "mediaType": MANIFEST,
        "config": config_desc.to_json(),
        "layers": [desc.to_json() for desc, _ in layers],
    }
    platform = {"architecture": options.arch, "os": "linux"}
    desc = layout.add_json(manifest, MANIFEST, {REF_NAME: options.tag})
    desc = Descriptor(desc.media_type, desc.digest, desc.size, desc.annotations, platform)
    layout.write_index([desc])
    return desc


def _write_layer(store: LocalStore, layout: LayoutWriter, infos: dict[StorePath, PathInfo],
                 layer: LayerPlan, options: ImageOptions) -> tuple[Descriptor, str]:
    sink = layout.blob()
    try:
        stream = LayerStream(sink, options.compression)
        write_layer(store, layer, stream, options.epoch)
        diff_id = stream.finish()
        annotations = {meta.PATHS_KEY: meta.encode_paths([infos[p] for p in layer.paths])}
        desc = sink.finish(stream.media_type, annotations)
    except BaseException:
        sink.abort()
        raise
    return desc, diff_id or desc.digest


def _runtime_config(roots: list[PathInfo], options: ImageOptions) -> dict[str, Any]:
    labels = meta.root_labels(roots)
    for key, value in options.labels:
        if key in labels:
            raise InvalidInput(f"export-oci: --label {key}: reserved for sx")
        labels[key] = value
    out: dict[str, Any] = {"Labels": labels}
    if options.env:
        out["Env"] = list(options.env)
    if options.entrypoint is not None:
        out["Entrypoint"] = list(options.entrypoint)
    if options.cmd is not None:
        out["Cmd"] = list(options.cmd)
    if options.workdir is not None:
        out["WorkingDir"] = options.workdir
    return out


def _describe(layer: LayerPlan) -> str:
    if len(layer.paths) == 1 and not layer.links:
        return str(layer.paths[0])
    parts = [f"{len(layer.paths)} store paths"]
    if layer.links:
        parts.append(f"{len(layer.links)} links")
    return ", ".join(parts)


def iso_time(epoch: int) -> str:
    """RFC 3339 UTC time of a Unix timestamp, whole seconds (``1970-01-01T00:00:01Z``)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))
