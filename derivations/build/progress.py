"""What the builder shows while it works: a live status line on a terminal, plain lines otherwise.

Everything goes to stderr (stdout carries the output paths). On a terminal a
single line is redrawn: done / total, and what is running now. Elsewhere
(logs, CI, pipes) one line per event, so that a transcript reads well.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

_REDRAW_EVERY = 0.1


class Progress:
    """Counts builds and reports them as they start and end."""

    def __init__(self, stream: TextIO | None = None, live: bool | None = None,
                 quiet: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self.quiet = quiet
        self.total = 0
        self.done = 0
        self.failed = 0
        self.running: dict[str, str] = {}
        self._drawn = False
        self._last = 0.0

    def set_total(self, n: int) -> None:
        """How many derivations this run will realize (built, fetched or substituted)."""
        self.total = n

    def started(self, key: str, what: str, name: str) -> None:
        """A build (``what`` = building, fetching, substituting, checking) has started."""
        self.running[key] = f"{what} {name}"
        if self.live:
            self._redraw()
        else:
            self._line(f"{what} {key}")

    def finished(self, key: str, ok: bool = True) -> None:
        """The build of ``key`` is over."""
        self.running.pop(key, None)
        self.done += 1
        if not ok:
            self.failed += 1
        if self.live:
            self._redraw(force=not ok)

    def message(self, text: str) -> None:
        """A line that stays (a failure, a note)."""
        if self.quiet and not text.startswith(("error", "sx:")):
            return
        self._clear()
        print(text, file=self.stream, flush=True)
        if self.live:
            self._redraw(force=True)

    def output(self, line: str) -> None:
        """A line of a build's output (``sx realize -L``): shown even when quiet."""
        self._clear()
        print(line, file=self.stream, flush=True)
        if self.live:
            self._redraw(force=True)

    def close(self) -> None:
        """Remove the live line."""
        self._clear()

    def _line(self, text: str) -> None:
        if not self.quiet:
            print(text, file=self.stream, flush=True)

    def _status(self) -> str:
        names = ", ".join(sorted(self.running.values())[:3])
        more = len(self.running) - 3
        extra = f" (+{more})" if more > 0 else ""
        fail = f", {self.failed} failed" if self.failed else ""
        return f"[{self.done}/{self.total} done{fail}] {names}{extra}"

    def _redraw(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < _REDRAW_EVERY:
            return
        self._last = now
        self.stream.write("\r\x1b[K" + self._status()[:200])
        self.stream.flush()
        self._drawn = True

    def _clear(self) -> None:
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._drawn = False
