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
# The grammar of org.opencontainers.image.ref.name (image-spec annotations):
# components of alphanumerics joined by one of - . _ : @ + (or "--"),
# separated by "/". No length limit.
_COMPONENT = r"[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*"
_TAG_RE = re.compile(f"{_COMPONENT}(?:/{_COMPONENT})*")
# The config's Env entries are VARNAME=VARVALUE; the spec restricts the name no
# further, and execve takes any name without '=' (NUL ends every C string).
_ENV_KEY_RE = re.compile(r"[^=\x00]+")
GO_ARCHES = frozenset({
    "386", "amd64", "amd64p32", "arm", "armbe", "arm64", "arm64be", "loong64", "mips",
    "mipsle", "mips64", "mips64le", "mips64p32", "mips64p32le", "ppc", "ppc64", "ppc64le",
    "riscv", "riscv64", "s390", "s390x", "sparc", "sparc64", "wasm"})
"""The image-spec's architectures: the values of Go's GOARCH (go/build/syslist.go)."""
_MACHINE_ARCHES = {"x86_64": "amd64", "aarch64": "arm64", "i386": "386", "i686": "386",
                   "armv7l": "arm", "ppc64el": "ppc64le"}
"""Kernel machine names for those architectures."""
MAX_EPOCH = 8**11 - 1
"""The latest time a ustar header's 11 octal digits hold."""
_MAX_EPOCH_TEXT = "2242-03-16T12:56:31Z"


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
        check_epoch(self.epoch)
        check_arch(self.arch)
        for e in self.env:
            check_env(e)


def host_arch() -> str:
    """The OCI name of this machine's architecture."""
    return oci_arch(platform.machine())


def oci_arch(name: str) -> str:
    """The OCI (Go) name of an architecture given either way (``x86_64`` -> ``amd64``)."""
    return _MACHINE_ARCHES.get(name, name)


def check_arch(arch: str) -> str:
    """Return ``arch`` if it is an architecture the image spec names, else raise."""
    if arch not in GO_ARCHES:
        raise InvalidInput(f"export-oci: --arch {arch[:60]!r}: not an OCI architecture "
                           "(one of Go's GOARCH values: amd64, arm64, 386, riscv64, ...)")
    return arch


def check_epoch(epoch: int) -> int:
    """Return ``epoch`` if the tar headers and the config can hold it, else raise."""
    if epoch < 0:
        raise InvalidInput(f"export-oci: timestamp {epoch} is negative")
    if epoch > MAX_EPOCH:
        raise InvalidInput(f"export-oci: timestamp {epoch} is later than a tar header can "
                           f"hold (at most {MAX_EPOCH}, {_MAX_EPOCH_TEXT})")
    return epoch


def check_tag(tag: str) -> str:
    """Return ``tag`` if it is a valid ``org.opencontainers.image.ref.name``, else raise."""
    if not _TAG_RE.fullmatch(tag):
        raise InvalidInput(
            f"export-oci: bad tag {tag[:200]!r}: use components of letters and digits joined "
            "by one of - . _ : @ + (or --), separated by /")
    return tag


def check_env(entry: str) -> str:
    """Return a ``KEY=VALUE`` environment entry if well formed."""
    key, sep, value = entry.partition("=")
    if not sep or not _ENV_KEY_RE.fullmatch(key) or "\x00" in value:
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
    if not (text.isascii() and text.isdigit()):
        raise InvalidInput(f"export-oci: SOURCE_DATE_EPOCH={text[:40]!r}: not a non-negative "
                           "integer")
    if len(text.lstrip("0")) > len(str(MAX_EPOCH)):  # too long to convert (or to hold)
        raise InvalidInput(f"export-oci: SOURCE_DATE_EPOCH={text[:24]}...: later than a tar "
                           f"header can hold (at most {MAX_EPOCH}, {_MAX_EPOCH_TEXT})")
    return check_epoch(int(text))


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
