"""What the builder shows while it works: a live view on a terminal, plain lines otherwise.

Everything goes to stderr (stdout carries the output paths). On a terminal
a block at the bottom is redrawn on a timer (:meth:`Progress.tick`, a task
of the scheduler's nursery; :meth:`Progress.redraw`, called by a download
while it waits) and on every event: a summary line (done /
total, failures, bytes fetched) and one line per running build with its
elapsed time and the last line of its log, each cut to the terminal's
width. Lines that stay (errors, notes) are printed above the block.
Elsewhere (logs, CI, pipes) one line per event (a build started, a path
fetched), so a transcript reads well.

Download events: :meth:`Progress.fetch_begin` (how many paths, how many
bytes), :meth:`Progress.fetch_advance` (bytes received so far, a few times a
second), :meth:`Progress.fetched` (one path arrived), :meth:`Progress.fetch_end`.
While a download runs, a line of the view shows paths and bytes of the
total and the current rate.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from sx.store.sizes import format_size

if TYPE_CHECKING:
    import trio

REDRAW_EVERY = 0.25
"""Seconds between redraws of the live view."""
_RATE_WINDOW = 2.0
_TAIL = 4096
size_text = format_size
"""Bytes for people (the one formatter, :func:`sx.store.sizes.format_size`)."""
# Terminal control sequences and other unprintable characters in a log line
# (a builder's output is not ours to trust: it must not move the cursor).
_ESCAPES = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|.)?")


class _Running:
    __slots__ = ("log", "name", "output", "since", "what")

    def __init__(self, what: str, name: str, since: float, log: str | None,
                 output: str | None) -> None:
        self.what = what
        self.name = name
        self.since = since
        self.log = log
        self.output = output


class Downloads:
    """The state of the current download: paths and bytes of the total, recent samples."""

    __slots__ = ("paths", "paths_done", "received", "samples", "total_bytes")

    def __init__(self, paths: int = 0, total_bytes: int = 0) -> None:
        self.paths = paths
        self.total_bytes = total_bytes
        self.paths_done = 0
        self.received = 0
        self.samples: list[tuple[float, int]] = []

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
        """Bytes downloaded by finished downloads (a running one adds its own)."""
        self.downloads: Downloads | None = None
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

    def add_fetched(self, nbytes: int) -> None:
        """``nbytes`` more were downloaded by a source fetch (a fixed-output build)."""
        self.fetched_bytes += nbytes

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
        self.fetched_bytes += received
        self.downloads = None
        if self.live:
            self._redraw()

    def message(self, text: str) -> None:
        """A line that stays (a failure, a note), printed above the live view."""
        if self.quiet and not text.startswith(("error", "sx:")):
            return
        with self._lock:
            self._erase()
            print(text, file=self.stream, flush=True)
            if self.live:
                self._draw()

    def output(self, line: str) -> None:
        """A line of a build's output (``sx realize -L``): shown even when quiet."""
        with self._lock:
            self._erase()
            print(line, file=self.stream, flush=True)
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
        import trio  # here: a run that only fetches never starts trio

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
        if self.downloads is not None:
            live_bytes += self.downloads.received
        parts = [f"{self.done}/{self.total} done"]
        if self.failed:
            parts.append(f"{self.failed} failed")
        parts.append(f"{len(running)} running")
        if self.fetched_bytes or live_bytes:
            parts.append(f"{format_size(self.fetched_bytes + live_bytes)} fetched")
        lines = [f"[{', '.join(parts)}] {_elapsed(now - self._started)}"]
        if self.downloads is not None:
            lines.append(f"  {self.downloads.text()}")
        room = max(1, height - 1 - len(lines))
        shown = running if len(running) <= room else running[:room - 1]
        for r in shown:
            extra = f" {format_size(_size_of(r.output))}" if r.output else ""
            head = f"  {r.what} {r.name} {_elapsed(now - r.since)}{extra}"
            tail = last_line(r.log)
            lines.append(f"{head}  > {tail}" if tail else head)
        if len(shown) < len(running):
            lines.append(f"  ... and {len(running) - len(shown)} more")
        return [_cut(line, width - 1) for line in lines]

    def redraw(self) -> None:
        """Draw the live view now (nothing unless live): a timer of a download."""
        if self.live:
            self._redraw()

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
    if c.isascii():
        return 1
    import unicodedata  # here: only a terminal line with wide characters needs it

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
