"""What the builder shows while it works: a live view on a terminal, plain lines otherwise.

Everything goes to stderr (stdout carries the output paths). On a terminal
a block at the bottom is redrawn on a timer (:meth:`Progress.tick`, a task
of the scheduler's nursery) and on every event: a summary line (done /
total, failures, bytes fetched) and one line per running build with its
elapsed time and the last line of its log, each cut to the terminal's
width. Lines that stay (errors, notes) are printed above the block.
Elsewhere (logs, CI, pipes) one line per started build, so a transcript
reads well.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

import trio
from sx.store.sizes import format_size

REDRAW_EVERY = 0.25
"""Seconds between redraws of the live view."""
_TAIL = 4096
# Terminal control sequences and other unprintable characters in a log line
# (a builder's output is not ours to trust: it must not move the cursor).
_ESCAPES = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|.)?")


@dataclass
class _Running:
    what: str
    name: str
    since: float
    log: str | None
    output: str | None


def last_line(path: str | None) -> str:
    """The last non-empty line of a log file, made safe to print (empty if none)."""
    if path is None:
        return ""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - _TAIL))
            data = f.read()
    except OSError:
        return ""
    for raw in reversed(data.replace(b"\r", b"\n").split(b"\n")):
        text = _ESCAPES.sub("", raw.decode("utf-8", errors="replace"))
        text = "".join(c if c.isprintable() else " " for c in text).strip()
        if text:
            return text
    return ""


def _size_of(path: str | None) -> int:
    if path is None:
        return 0
    try:
        return os.lstat(path).st_size
    except OSError:
        return 0


def _elapsed(seconds: float) -> str:
    s = int(seconds)
    return f"{s}s" if s < 60 else f"{s // 60}m{s % 60:02d}s" if s < 3600 else \
        f"{s // 3600}h{s % 3600 // 60:02d}m"


class Progress:
    """Counts builds and reports them as they start and end."""

    def __init__(self, stream: TextIO | None = None, live: bool | None = None,
                 quiet: bool = False, width: int | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream or sys.stderr
        if live is None:
            live = self.stream.isatty() and os.environ.get("TERM") != "dumb"
        self.live = live and not quiet
        self.quiet = quiet
        self.width = width
        self.clock = clock
        self.total = 0
        self.done = 0
        self.failed = 0
        self.fetched_bytes = 0
        self.running: dict[str, _Running] = {}
        self._drawn = 0  # lines of the live block on screen
        self._lock = threading.Lock()
        self._stop: trio.Event | None = None
        self._started = clock()

    # ---- events ---------------------------------------------------------------

    def set_total(self, n: int) -> None:
        """How many derivations this run will realize (built, fetched or substituted)."""
        self.total = n

    def started(self, key: str, what: str, name: str, log: str | None = None,
                output: str | None = None) -> None:
        """A build has started.

        ``what`` is building, fetching, substituting or checking; ``log`` the
        raw log file to show the last line of; ``output`` a file whose size
        counts as fetched while it grows (a download).
        """
        self.running[key] = _Running(what, name, self.clock(), log, output)
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
            self._redraw()

    def fetched(self, nbytes: int) -> None:
        """``nbytes`` more were downloaded or substituted."""
        self.fetched_bytes += nbytes

    def message(self, text: str) -> None:
        """A line that stays (a failure, a note), printed above the live view."""
        if self.quiet and not text.startswith(("error", "sx:")):
            return
        with self._lock:
            self._erase()
            print(text, file=self.stream, flush=True)
            if self.live:
                self._draw()

    def close(self) -> None:
        """Remove the live view (the transcript keeps only lines that stay)."""
        self.stop()
        with self._lock:
            self._erase()
            self.stream.flush()

    # ---- the timer --------------------------------------------------------------

    async def tick(self, interval: float = REDRAW_EVERY) -> None:
        """Redraw every ``interval`` seconds until :meth:`stop` (returns at once if not live)."""
        if not self.live:
            return
        self._stop = trio.Event()
        while not self._stop.is_set():
            self._redraw()
            with trio.move_on_after(interval):
                await self._stop.wait()

    def stop(self) -> None:
        """End :meth:`tick`."""
        if self._stop is not None:
            self._stop.set()

    # ---- drawing ----------------------------------------------------------------

    def _columns(self) -> tuple[int, int]:
        if self.width is not None:
            return self.width, 24
        try:
            size = os.get_terminal_size(self.stream.fileno())
            return size.columns, size.lines
        except (OSError, ValueError, AttributeError):
            return 80, 24

    def render(self) -> list[str]:
        """The lines of the live view now, each cut to the terminal width."""
        width, height = self._columns()
        now = self.clock()
        running = sorted(self.running.values(), key=lambda r: r.since)
        live_bytes = sum(_size_of(r.output) for r in running)
        parts = [f"{self.done}/{self.total} done"]
        if self.failed:
            parts.append(f"{self.failed} failed")
        parts.append(f"{len(running)} running")
        if self.fetched_bytes or live_bytes:
            parts.append(f"{format_size(self.fetched_bytes + live_bytes)} fetched")
        lines = [f"[{', '.join(parts)}] {_elapsed(now - self._started)}"]
        room = max(1, height - 2)
        shown = running if len(running) <= room else running[:room - 1]
        for r in shown:
            extra = f" {format_size(_size_of(r.output))}" if r.output else ""
            head = f"  {r.what} {r.name} {_elapsed(now - r.since)}{extra}"
            tail = last_line(r.log)
            lines.append(f"{head}  > {tail}" if tail else head)
        if len(shown) < len(running):
            lines.append(f"  ... and {len(running) - len(shown)} more")
        return [_cut(line, width - 1) for line in lines]

    def _redraw(self) -> None:
        with self._lock:
            self._erase()
            self._draw()

    def _draw(self) -> None:
        lines = self.render()
        self.stream.write("\n".join(lines))
        self.stream.flush()
        self._drawn = len(lines)

    def _erase(self) -> None:
        if self._drawn:
            up = f"\x1b[{self._drawn - 1}A" if self._drawn > 1 else ""
            self.stream.write(f"{up}\r\x1b[J")
            self._drawn = 0

    def _line(self, text: str) -> None:
        if not self.quiet:
            print(text, file=self.stream, flush=True)


def _columns_of(c: str) -> int:
    return 2 if unicodedata.east_asian_width(c) in ("W", "F") else 1


def _cut(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal columns (wide characters count two)."""
    if len(text) <= width // 2 or sum(_columns_of(c) for c in text) <= width:
        return text
    out, used = [], 0
    for c in text:
        used += _columns_of(c)
        if used > width - 3:
            break
        out.append(c)
    return "".join(out) + "..."
