"""One forged record through every way into the store: refused, nothing registered.

The forger edits a file of a genuine path and fixes every hash and size
that covers it (archive hash and size, compressed file, layer digests,
signatures from a key the victim trusts), keeping the path's name. The
``ca`` field is kept, set to null, or set to the forged archive's hash.
Each entry point must exit 1 with one ``sx:`` line, register nothing, leave
nothing in ``<root>/tmp``, and afterwards ``sx store add`` of the genuine
tree (or a build) must give the genuine path.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from forge import CA_MODES, forge_cache, forge_image, forge_stream
from hostile_helpers import assert_clean_refusal
from sx.store.cache.signing import load_secret_key
from sx_runner import Sx

GENUINE = b"genuine contents"
FORGED = b"forged! contents"
# What the store's registration says about the forged bytes, by ca mode.
WHY = {"kept": "content address b3:", "null": "no content address",
       "forged": "content address gives"}


@pytest.fixture
def genuine(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    (tree / "bin").mkdir(parents=True)
    (tree / "README").write_bytes(GENUINE + b"\n")
    (tree / "bin" / "tool").write_text("#!/bin/sh\necho tool\n")
    (tree / "bin" / "tool").chmod(0o755)
    return tree


@pytest.fixture
def origin(tmp_path: Path, genuine: Path) -> tuple[Sx, str]:
    """A store holding the genuine path, and that path."""
    sx = Sx(str(tmp_path / "origin"))
    return sx, sx.ok("store", "add", str(genuine)).strip()


def _genuine_add_still_works(victim: Sx, genuine: Path, path: str) -> None:
    assert victim.ok("store", "add", str(genuine)).strip() == path
    assert victim("store", "verify", "--check-contents").returncode == 0


@pytest.mark.parametrize("ca_mode", CA_MODES)
def test_store_import(tmp_path: Path, genuine: Path, origin: tuple[Sx, str],
                      ca_mode: str) -> None:
    sx, path = origin
    stream = sx.raw("store", "export", path).stdout
    forged = tmp_path / "forged.sxe"
    forged.write_bytes(forge_stream(stream, GENUINE, FORGED, ca_mode))
    victim = Sx(str(tmp_path / "victim"))
    r = victim("store", "import", str(forged))
    assert WHY[ca_mode] in assert_clean_refusal(r, victim.root, "import")
    _genuine_add_still_works(victim, genuine, path)


@pytest.mark.parametrize("ca_mode", CA_MODES)
def test_import_oci(tmp_path: Path, genuine: Path, origin: tuple[Sx, str], ca_mode: str) -> None:
    sx, path = origin
    img = tmp_path / "img"
    sx.ok("export-oci", path, "-o", str(img))
    forge_image(str(img), GENUINE, FORGED, ca_mode)
    victim = Sx(str(tmp_path / "victim"))
    r = victim("import-oci", str(img))
    assert WHY[ca_mode] in assert_clean_refusal(r, victim.root, "import-oci")
    _genuine_add_still_works(victim, genuine, path)


@pytest.mark.parametrize("ca_mode", CA_MODES)
def test_copy_from_a_cache_without_signature_checks(tmp_path: Path, genuine: Path,
                                                    origin: tuple[Sx, str], ca_mode: str) -> None:
    sx, path = origin
    cache = tmp_path / "cache"
    sx.ok("copy", "--to", f"file://{cache}", path)
    forge_cache(str(cache), path.split("/")[-1][:32], GENUINE, FORGED, ca_mode)
    victim = Sx(str(tmp_path / "victim"))
    r = victim("copy", "--from", f"file://{cache}", "--no-check-sigs", path)
    assert WHY[ca_mode] in assert_clean_refusal(r, victim.root, "fetch")
    _genuine_add_still_works(victim, genuine, path)


RECIPE = "sx.derivations.examples:hello_script"


@pytest.mark.parametrize("ca_mode", CA_MODES)
def test_substitution_signed_by_a_trusted_key(tmp_path: Path, ca_mode: str) -> None:
    """Even a key the victim trusts cannot make it register bytes under a name they
    do not address (an output with a self-reference: its ca is a hash modulo itself)."""
    builder = Sx(str(tmp_path / "builder"))
    path = builder.ok("realize", "-q", RECIPE).strip()
    key_file = str(tmp_path / "mallory.key")
    public = builder.ok("key", "generate", "--name", "mallory", "-o", key_file).strip()
    builder.ok("sign", "--key", key_file, "-r", path)  # records and realisations
    cache = tmp_path / "cache"
    builder.ok("copy", "--to", f"file://{cache}", path)
    forge_cache(str(cache), path.split("/")[-1][:32], b"\ncat ", b"\nrm  ", ca_mode,
                sign=load_secret_key(key_file).sign)
    victim = Sx(str(tmp_path / "victim"))
    os.makedirs(os.path.join(victim.root, "etc"))
    with open(os.path.join(victim.root, "etc", "sx.conf"), "w") as f:
        f.write(f'substituters = ["file://{cache}"]\n'
                f'trusted-public-keys = ["{public}"]\nrequired-signatures = 1\n')
    r = victim("realize", "--no-build", RECIPE)
    why = {**WHY, "kept": "contents hash to b3:", "forged": "contents hash to b3:"}[ca_mode]
    assert r.returncode != 0 and why in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert victim("path-info", path).returncode == 1  # (its genuine input was fetched)
    assert os.listdir(os.path.join(victim.root, "tmp")) == []
    rebuilt = victim("realize", "-q", RECIPE)
    assert rebuilt.returncode == 0 and rebuilt.stdout.strip() == path, rebuilt.stderr
    assert victim("store", "verify", "--check-contents").returncode == 0
