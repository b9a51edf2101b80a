"""What an export is asked for, validated before anything is written."""

from __future__ import annotations

import json
import os
import platform
import re
import shlex
from dataclasses import dataclass, field

from sx.store.errors import InvalidInput
from sx.store.local import LocalStore
from sx.store.locate import locate
from sx.store.oci.compress import COMPRESSIONS
from sx.store.oci.layers import Link
from sx.store.path import STORE_DIR, StorePath

DEFAULT_MAX_LAYERS = 100
DEFAULT_TAG = "latest"
# A tag that every tool accepts: the Docker tag grammar, which also fits the
# OCI ref.name grammar (alphanumerics joined by single separators).
_TAG_RE = re.compile(r"[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*")
_TAG_MAX = 128
_ENV_KEY_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ARCHES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64",
           "riscv64": "riscv64", "ppc64le": "ppc64le", "s390x": "s390x", "i686": "386"}


@dataclass(frozen=True)
class ImageOptions:
    """Everything about an image that does not come from the closure."""

    tag: str = DEFAULT_TAG
    entrypoint: tuple[str, ...] | None = None
    cmd: tuple[str, ...] | None = None
    env: tuple[str, ...] = ()
    workdir: str | None = None
    labels: tuple[tuple[str, str], ...] = ()
    links: tuple[Link, ...] = ()
    max_layers: int = DEFAULT_MAX_LAYERS
    compression: str = "none"
    epoch: int = 1
    arch: str = field(default_factory=lambda: host_arch())

    def __post_init__(self) -> None:
        check_tag(self.tag)
        if self.max_layers < 1:
            raise InvalidInput(
                f"export-oci: --max-layers must be at least 1, got {self.max_layers}")
        if self.compression not in COMPRESSIONS:
            raise InvalidInput(f"export-oci: unknown compression {self.compression!r}")
        if self.workdir is not None and not self.workdir.startswith("/"):
            raise InvalidInput(f"export-oci: --workdir {self.workdir!r}: must be absolute")
        if self.epoch < 0:
            raise InvalidInput(f"export-oci: timestamp {self.epoch} is negative")
        for e in self.env:
            check_env(e)


def host_arch() -> str:
    """The OCI name of this machine's architecture."""
    machine = platform.machine()
    return _ARCHES.get(machine, machine)


def check_tag(tag: str) -> str:
    """Return ``tag`` if it is a valid image tag, else raise :class:`InvalidInput`."""
    if len(tag) > _TAG_MAX or not _TAG_RE.fullmatch(tag):
        raise InvalidInput(
            f"export-oci: bad tag {tag!r}: use letters, digits and single . _ - between them "
            f"(at most {_TAG_MAX} characters)")
    return tag


def check_env(entry: str) -> str:
    """Return a ``KEY=VALUE`` environment entry if well formed."""
    key, sep, _ = entry.partition("=")
    if not sep or not _ENV_KEY_RE.fullmatch(key):
        raise InvalidInput(f"export-oci: --env {entry!r}: expected KEY=VALUE")
    return entry


def parse_label(entry: str) -> tuple[str, str]:
    """Split a ``KEY=VALUE`` label."""
    key, sep, value = entry.partition("=")
    if not sep or not key:
        raise InvalidInput(f"export-oci: --label {entry!r}: expected KEY=VALUE")
    return key, value


def epoch_from_env(env: dict[str, str] | None = None) -> int:
    """``SOURCE_DATE_EPOCH`` when set (a non-negative integer), else 1."""
    text = (env if env is not None else dict(os.environ)).get("SOURCE_DATE_EPOCH", "")
    if not text:
        return 1
    if not text.isdigit():
        raise InvalidInput(f"export-oci: SOURCE_DATE_EPOCH={text!r}: not a non-negative integer")
    return int(text)


def parse_link(store: LocalStore, spec: str) -> Link:
    """Parse ``--link NAME=TARGET``: NAME absolute in the image, TARGET inside a store path."""
    name, sep, target = spec.partition("=")
    if not sep or not name or not target:
        raise InvalidInput(f"export-oci: --link {spec!r}: expected /NAME=STORE-PATH[/SUB]")
    parts = name.split("/")
    if (not name.startswith("/") or name == "/" or any(p in ("", ".", "..") for p in parts[1:])):
        raise InvalidInput(f"export-oci: --link {spec!r}: {name!r} is not a normalized "
                           "absolute path")
    if parts[1] == STORE_DIR.split("/")[1]:
        raise InvalidInput(f"export-oci: --link {spec!r}: {name!r} would hide the store")
    path, sub = _split_target(store, target, spec)
    if ".." in sub.split("/"):
        raise InvalidInput(f"export-oci: --link {spec!r}: '..' is not allowed in the target")
    return Link(name, path, sub.strip("/"))


def _split_target(store: LocalStore, target: str, spec: str) -> tuple[StorePath, str]:
    found = locate(store.store_dir, target)
    if found is None:
        raise InvalidInput(f"export-oci: --link {spec!r}: target is not in the store")
    return found


def parse_command(text: str, what: str) -> tuple[str, ...]:
    """``--entrypoint``/``--cmd``: a JSON array of strings, or words split like a shell."""
    try:
        if text.lstrip().startswith("["):
            value = json.loads(text)
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError("not an array of strings")
            return tuple(value)
        return tuple(shlex.split(text))
    except ValueError as e:
        raise InvalidInput(f"export-oci: {what} {text!r}: {e}") from e
