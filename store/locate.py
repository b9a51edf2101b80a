"""The one parser of store path arguments: which store object a piece of user text names.

Accepted: a logical path ``/sx/store/<digest>-<name>[/sub/path]``, the same
path under a store's physical directory, a bare ``<digest>-<name>``, and a
path on the host whose first symlink leads into the store (an out-link,
``result/bin``). Symlinks inside the store object are never followed: a
link there may point anywhere, and the commands show what the object holds.
"""

from __future__ import annotations

import os

from sx.store.errors import InvalidInput
from sx.store.path import DIGEST_LEN, STORE_DIR, StorePath, is_digest

# Symlinks followed from an out-link before giving up (loops, long chains).
MAX_HOPS = 40


def locate(store_dir: str, text: str) -> tuple[StorePath, str] | None:
    """The store path ``text`` names and the path inside it, or None if it names none.

    ``store_dir`` is the physical store directory. A text that looks like a
    store path but is malformed raises :class:`InvalidInput`, as does a
    ``.`` or ``..`` inside it.
    """
    logical = _under(store_dir, text)
    if (logical is None and len(text) > DIGEST_LEN + 1 and text[DIGEST_LEN] == "-"
            and "/" not in text and is_digest(text[:DIGEST_LEN])):
        logical = f"{STORE_DIR}/{text}"
    if logical is None:
        logical = _through_link(store_dir, text)
    if logical is None:
        return None
    path, rest = StorePath.split(logical)
    parts = [p for p in rest.split("/") if p]
    if ".." in parts or "." in parts:
        raise InvalidInput(f"parse store path {text!r}: '.' and '..' are not allowed inside it")
    return path, "/".join(parts)


def _under(store_dir: str, text: str) -> str | None:
    """``text`` as a logical path when it is under ``/sx/store`` or the physical store."""
    for prefix in (STORE_DIR, store_dir):
        if text == prefix or text.startswith(prefix + "/"):
            return STORE_DIR + text[len(prefix):]
    return None


def _follow(text: str) -> str | None:
    """Where a chain of symlinks starting at ``text`` ends (None: not a symlink, or a loop)."""
    if not os.path.islink(text):
        return None
    here = os.path.abspath(text)
    for _ in range(MAX_HOPS):
        if not os.path.islink(here):
            return here
        here = os.path.normpath(os.path.join(os.path.dirname(here), os.readlink(here)))
    return None


def _through_link(store_dir: str, text: str) -> str | None:
    """The logical path behind the first symlink of host path ``text`` that leads into the store."""
    if not text or "\0" in text:
        return None
    parts = text.split("/")
    for i in range(1, len(parts) + 1):
        prefix = "/".join(parts[:i]) or "/"
        if not os.path.lexists(prefix):
            return None
        target = _follow(prefix)
        if target is None:
            continue
        logical = _under(store_dir, target)
        if logical is None:
            return None
        rest = "/".join(p for p in parts[i:] if p)
        return f"{logical}/{rest}" if rest else logical
    return None
