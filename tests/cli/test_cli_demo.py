"""``make demo`` works in the store DEMO_ROOT names, never in the default one."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from sx.store.local import LocalStore

REPO = Path(__file__).resolve().parent.parent.parent


@pytest.mark.sandbox
@pytest.mark.slow
def test_make_demo_uses_demo_root(tmp_path: Path) -> None:
    root, out = tmp_path / "demo-root", tmp_path / "demo-out"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SX_", "MAKE"))}
    env["SX_ROOT"] = str(tmp_path / "not-this-one")  # the Makefile must set its own
    r = subprocess.run(["make", "-s", "-C", str(REPO), "demo", f"DEMO_ROOT={root}",
                        f"DEMO_OUT={out}"], env=env, capture_output=True, text=True,
                       timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    store = LocalStore(str(root))
    names = {p.name for p in store.all_paths()}
    store.temp_roots.close()
    assert {"hex0", "M0", "catm"} <= names, names
    assert (out / "stage0-image" / "index.json").exists()
    assert not (tmp_path / "not-this-one").exists()
