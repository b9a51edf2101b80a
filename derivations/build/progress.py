"""What the builder shows while it works: a live status line on a terminal, plain lines otherwise.

Everything goes to stderr (stdout carries the output paths). On a terminal a
single line is redrawn: done / total, and what is running now; while paths
are downloaded, paths and bytes fetched of the total and the current rate.
Elsewhere (logs, CI, pipes) one line per event (a build started, a path
fetched), so that a transcript reads well.

Download events: :meth:`Progress.fetch_begin` (how many paths, how many
bytes), :meth:`Progress.fetch_advance` (bytes received so far, a few times a
second), :meth:`Progress.fetched` (one path arrived), :meth:`Progress.fetch_end`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

_REDRAW_EVERY = 0.1
_RATE_WINDOW = 2.0
_MIB = 1 << 20


def size_text(n: int) -> str:
    """Bytes for people: ``512 B``, ``12.3 KiB``, ``4.0 MiB``."""
    if n < 1024:
        return f"{n} B"
    if n < _MIB:
        return f"{n / 1024:.1f} KiB"
    if n < 1 << 30:
        return f"{n / _MIB:.1f} MiB"
    return f"{n / (1 << 30):.2f} GiB"


@dataclass
class Downloads:
    """The state of the current download: paths and bytes of the total, recent samples."""

    paths: int = 0
    total_bytes: int = 0
    paths_done: int = 0
    received: int = 0
    samples: list[tuple[float, int]] = field(default_factory=list)

    def rate(self) -> float:
        """Bytes per second over the last couple of seconds."""
        if len(self.samples) < 2:
            return 0.0
        (t0, b0), (t1, b1) = self.samples[0], self.samples[-1]
        return (b1 - b0) / (t1 - t0) if t1 > t0 else 0.0

    def text(self) -> str:
        """``fetched 2/6 paths, 12.0 MiB/32.0 MiB, 30.1 MiB/s``."""
        return (f"fetched {self.paths_done}/{self.paths} paths, {size_text(self.received)}/"
                f"{size_text(self.total_bytes)}, {size_text(int(self.rate()))}/s")


class Progress:
    """Counts builds and reports them as they start and end."""

    def __init__(self, stream: TextIO | None = None, live: bool | None = None,
                 quiet: bool = False, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self.quiet = quiet
        self.clock = clock
        self.total = 0
        self.done = 0
        self.failed = 0
        self.running: dict[str, str] = {}
        self.downloads: Downloads | None = None
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

    def fetch_begin(self, paths: int, total_bytes: int) -> None:
        """A download of ``paths`` paths, ``total_bytes`` compressed bytes, starts."""
        self.downloads = Downloads(paths, total_bytes)

    def fetch_advance(self, received: int) -> None:
        """``received`` bytes of the download have arrived so far."""
        d = self.downloads
        if d is None:
            return
        now = self.clock()
        d.received = received
        d.samples.append((now, received))
        while len(d.samples) > 2 and now - d.samples[0][0] > _RATE_WINDOW:
            d.samples.pop(0)
        if self.live:
            self._redraw()

    def fetched(self, path: str, size: int, source: str) -> None:
        """One path arrived (``size`` compressed bytes from ``source``)."""
        if self.downloads is not None:
            self.downloads.paths_done += 1
        if self.live:
            self._redraw()
        else:
            self._line(f"fetched {path} ({size_text(size)} from {source})")

    def fetch_end(self, received: int) -> None:
        """The download is over (``received`` bytes in all)."""
        if self.downloads is not None:
            self.downloads.received = received
        self.downloads = None
        if self.live:
            self._redraw(force=True)

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
        if self.downloads is not None:
            return f"[{self.downloads.text()}]"
        return f"[{self.done}/{self.total} done{fail}] {names}{extra}"

    def _redraw(self, force: bool = False) -> None:
        now = self.clock()
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
