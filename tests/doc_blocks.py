"""Running the command blocks of a Markdown page, so the docs cannot drift from sx.

Conventions (written in the pages as HTML comments, invisible when rendered):

* every fenced block tagged ``sh`` runs as a bash script (``set -e``: each
  command must succeed); in a block tagged ``console`` the lines starting
  with ``$ `` run the same way, the others are sample output;
* ``<!-- file: NAME -->`` on the line before a block writes the block to
  NAME in the scratch directory instead (recipes, sources); every file block
  is written before the first command block runs, so a page may show a
  command before the file it reads;
* ``<!-- exit: N -->`` before a command block: it must fail with status N
  (a block that shows an error);
* ``<!-- not run: REASON -->`` on the line before a command block skips it;
  the reason is required and printed by the test.

All blocks of a page run in order in one scratch directory, with ``sx`` on
PATH and ``$SX_ROOT`` set, so later blocks see what earlier ones made.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

_FENCE = re.compile(r"^```([\w-]*)\n(.*?)^```$", re.DOTALL | re.MULTILINE)
_MARK = re.compile(r"<!-- (file|not run|exit): (.+?) -->\s*$")


@dataclass(frozen=True)
class Block:
    """One fenced block of a page."""

    line: int
    lang: str
    text: str
    file: str | None = None
    skip: str | None = None
    exit: int = 0

    @property
    def script(self) -> str:
        """The commands of a command block, as a bash script."""
        if self.lang == "console":
            return "\n".join(line[2:] for line in self.text.splitlines()
                             if line.startswith("$ "))
        return self.text


def blocks(page: Path) -> list[Block]:
    """The blocks of ``page`` with their markers."""
    text = page.read_text()
    out = []
    for m in _FENCE.finditer(text):
        before = text[:m.start()].rstrip("\n").rsplit("\n", 1)[-1]
        mark = _MARK.search(before)
        kind, value = (mark.group(1), mark.group(2)) if mark else (None, None)
        out.append(Block(text.count("\n", 0, m.start()) + 1, m.group(1), m.group(2),
                         value if kind == "file" else None,
                         value if kind == "not run" else None,
                         int(value) if kind == "exit" and value else 0))
    return out


def run_page(page: Path, work: Path, root: str, timeout: float = 900) -> list[str]:
    """Write the file blocks and run the command blocks of ``page`` in ``work``.

    Raises AssertionError naming the page, line and output of the first
    failing block. Returns the reasons of the blocks not run.
    """
    work.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SX_")}
    env.update({"SX_ROOT": root, "PATH": f"{Path(sys.executable).parent}:{env['PATH']}",
                "PYTHONUNBUFFERED": "1"})
    skipped = []
    found = blocks(page)
    for b in found:
        if b.file is not None:
            (work / b.file).write_text(b.text)
    for b in found:
        if b.file is not None or b.lang not in ("sh", "console"):
            continue
        if b.skip is not None:
            skipped.append(f"{page.name}:{b.line}: {b.skip}")
            continue
        r = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", b.script], cwd=work, env=env,
                           capture_output=True, text=True, timeout=timeout)
        assert r.returncode == b.exit, (f"{page.name}:{b.line}: block exited {r.returncode}, "
                                        f"expected {b.exit}\n"
                                   f"{b.script}\n--- stdout\n{r.stdout[-3000:]}\n"
                                   f"--- stderr\n{r.stderr[-3000:]}")
    return skipped
