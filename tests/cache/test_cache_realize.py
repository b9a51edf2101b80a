"""``sx realize`` and the trust policy: k-1 signatures build (or fail with --no-build), k fetch.

Uses the builtin example recipes, which need no sandbox.
"""

from __future__ import annotations

from pathlib import Path

from cache_helpers import RunSx

RECIPE = "sx.derivations.examples:hello_script"


def _conf(root: Path, cache: Path, pubs: list[str], k: int) -> None:
    (root / "etc").mkdir(parents=True, exist_ok=True)
    keys = ", ".join(f'"{p}"' for p in pubs)
    (root / "etc" / "sx.conf").write_text(
        f'substituters = ["file://{cache}"]\ntrusted-public-keys = [{keys}]\n'
        f"required-signatures = {k}\n")


def test_k_minus_one_builds_and_k_substitutes(sx: RunSx, tmp_path: Path) -> None:
    a, b, c, cache = (tmp_path / n for n in ("a", "b", "c", "cache"))
    built = sx("--root", str(a), "realize", "-q", RECIPE)
    assert built.returncode == 0, built.stderr
    path = built.stdout.strip()
    pubs = []
    for who in ("alice", "bob"):
        r = sx("key", "generate", "--name", who, "-o", str(tmp_path / who))
        pubs.append(r.stdout.strip())
    assert sx("--root", str(a), "sign", "--key", str(tmp_path / "alice"), "-r", path
              ).returncode == 0
    assert sx("--root", str(a), "copy", "--to", f"file://{cache}", path).returncode == 0

    # b trusts alice and bob, two must sign: alice alone is not enough.
    _conf(b, cache, pubs, 2)
    refused = sx("--root", str(b), "realize", "--no-build", RECIPE)
    assert refused.returncode == 4
    assert "1 of 2 required trusted signatures (valid: alice)" in refused.stderr
    assert "not substitutable and --no-build was given" in refused.stderr
    assert sx("--root", str(b), "path-info", path).returncode == 1  # nothing registered
    rebuilt = sx("--root", str(b), "realize", RECIPE)
    assert rebuilt.returncode == 0 and rebuilt.stdout.strip() == path
    assert "building" in rebuilt.stderr

    # bob rebuilt the same bytes: his signature joins alice's in the cache.
    assert sx("--root", str(b), "sign", "--key", str(tmp_path / "bob"), "-r", path
              ).returncode == 0
    merged = sx("--root", str(b), "copy", "--to", f"file://{cache}", path)
    assert merged.returncode == 0 and "signatures added to 2" in merged.stderr
    _conf(c, cache, pubs, 2)
    fetched = sx("--root", str(c), "realize", "--no-build", RECIPE)
    assert fetched.returncode == 0, fetched.stderr
    assert fetched.stdout.strip() == path and "building" not in fetched.stderr
    sigs = sx("--root", str(c), "verify", "--sigs", path)
    assert sigs.returncode == 0 and "trusted: 2 of 2" in sigs.stdout
