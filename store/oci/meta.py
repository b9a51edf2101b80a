"""The sx facts an image carries, in annotations and labels, and how to read them back.

Each layer descriptor has the annotation :data:`PATHS_KEY`: a JSON array
with one object per store path in that layer, giving what ``sx import-oci``
needs to register it (path, BLAKE3 archive hash and size, references,
deriver, content address). The config's labels name the roots
(:data:`ROOTS_KEY`) and the derivations they came from
(:data:`DERIVERS_KEY`), space-separated.
"""

from __future__ import annotations

import json
from typing import Any

from sx.store.errors import Corrupt
from sx.store.info import PathInfo

PATHS_KEY = "dev.sx.store.paths"
ROOTS_KEY = "dev.sx.roots"
DERIVERS_KEY = "dev.sx.derivers"
FORMAT_KEY = "dev.sx.image.format"
FORMAT = "sx-oci-1"


def path_record(info: PathInfo) -> dict[str, Any]:
    """One path's entry in :data:`PATHS_KEY`: its JSON info without time or signatures.

    Both vary between stores holding the same bytes, and images must not.
    """
    rec = info.to_json()
    del rec["registrationTime"], rec["signatures"]
    return rec


def encode_paths(infos: list[PathInfo]) -> str:
    """The annotation value for the paths of one layer (sorted, compact JSON)."""
    records = [path_record(i) for i in sorted(infos, key=lambda i: i.path)]
    return json.dumps(records, sort_keys=True, separators=(",", ":"))


def decode_paths(text: str, what: str) -> list[PathInfo]:
    """Parse a :data:`PATHS_KEY` value; :class:`Corrupt` when malformed."""
    try:
        records = json.loads(text)
    except (ValueError, RecursionError) as e:
        raise Corrupt(f"import-oci {what}: bad {PATHS_KEY} annotation: {str(e)[:200]}") from e
    if not isinstance(records, list):
        raise Corrupt(f"import-oci {what}: bad {PATHS_KEY} annotation: not a JSON array")
    try:
        return [PathInfo.from_json(r) for r in records]
    except Corrupt as e:
        raise Corrupt(f"import-oci {what}: bad {PATHS_KEY} annotation: {e}") from e


def root_labels(roots: list[PathInfo]) -> dict[str, str]:
    """Config labels naming the exported roots and the derivations they came from."""
    labels = {FORMAT_KEY: FORMAT, ROOTS_KEY: " ".join(sorted(str(i.path) for i in roots))}
    derivers = sorted({str(i.deriver) for i in roots if i.deriver})
    if derivers:
        labels[DERIVERS_KEY] = " ".join(derivers)
    return labels
