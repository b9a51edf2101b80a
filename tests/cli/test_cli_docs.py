"""The command blocks of README.md and docs/recipes.md run as written (tests/doc_blocks.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from doc_blocks import blocks, run_page

REPO = Path(__file__).resolve().parent.parent.parent
PAGES = ["README.md", "docs/recipes.md"]


@pytest.mark.sandbox
@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_every_command_block_runs(page: str, tmp_path: Path) -> None:
    skipped = run_page(REPO / page, tmp_path / "work", str(tmp_path / "root"))
    # Skipping is for blocks that cannot run inside a test; each says why.
    assert len(skipped) <= 2, skipped
    print("\n".join(skipped))


@pytest.mark.parametrize("page", PAGES)
def test_pages_have_command_blocks_and_every_marker_is_used(page: str) -> None:
    found = blocks(REPO / page)
    assert any(b.lang in ("sh", "console") and b.skip is None for b in found)
    for b in found:
        assert b.skip is None or b.skip.strip(), f"{page}:{b.line}: a skip needs a reason"
        assert b.file is None or b.lang not in ("sh", "console"), (
            f"{page}:{b.line}: a file marker on a command block")


def test_markers_are_read(tmp_path: Path) -> None:
    page = tmp_path / "p.md"
    page.write_text("<!-- file: a.txt -->\n```text\nA\n```\n\n```sh\ngrep -q A a.txt\n```\n\n"
                    "<!-- exit: 3 -->\n```console\n$ exit 3\nsample output\n```\n\n"
                    "<!-- not run: needs the moon -->\n```sh\nfalse\n```\n")
    assert run_page(page, tmp_path / "w", str(tmp_path / "root")) == ["p.md:17: needs the moon"]
    page.write_text("```sh\ntrue\nfalse\ntrue\n```\n")
    with pytest.raises(AssertionError, match=r"p\.md:1: block exited 1, expected 0"):
        run_page(page, tmp_path / "w", str(tmp_path / "root"))
