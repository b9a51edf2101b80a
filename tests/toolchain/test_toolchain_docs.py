"""docs/toolchain.md's "use the toolchain in your own recipe" runs as written.

It realizes the worked example in the session's toolchain store, where the
musl chain below the static tcc is built by the other toolchain tests (or
here, once, if this test runs first).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from doc_blocks import run_page
from sx.store.local import LocalStore

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]
PAGE = Path(__file__).resolve().parent.parent.parent / "docs" / "toolchain.md"


def test_the_worked_example_builds_and_runs(tstore: LocalStore, tmp_path: Path) -> None:
    assert run_page(PAGE, tmp_path, tstore.root, timeout=3600) == []
    program = tmp_path / "wordcount" / "bin" / "wordcount"
    assert program.read_bytes()[:4] == b"\x7fELF"
