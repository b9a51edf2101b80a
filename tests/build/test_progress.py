"""The progress display: a live view on a terminal, plain lines otherwise (unit level).

tests/cli/test_cli_progress.py watches the real thing through a pty.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import trio
from sx.derivations.build.progress import Progress, last_line


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def screen(text: str) -> list[str]:
    """What a terminal shows after ``text``: replay the few control sequences Progress uses."""
    rows: list[str] = [""]
    row = 0
    for token in re.split(r"(\x1b\[\d*A|\x1b\[J|\r|\n)", text):
        if not token:
            continue
        if token == "\n":
            row += 1
            if row == len(rows):
                rows.append("")
        elif token == "\r":
            rows[row] = rows[row]  # column 0; the next write replaces the row
            rows[row] = ""
        elif token == "\x1b[J":
            del rows[row + 1:]
            rows[row] = ""
        elif token.endswith("A"):
            row -= int(token[2:-1] or 1)
        else:
            rows[row] = token
    return rows


def test_plain_lines_when_not_a_terminal() -> None:
    out = io.StringIO()
    p = Progress(out)
    p.set_total(2)
    p.started("/sx/store/x-a.drv", "building", "a")
    p.finished("/sx/store/x-a.drv")
    p.message("error: something")
    p.close()
    assert out.getvalue() == "building /sx/store/x-a.drv\nerror: something\n"
    assert not p.live


def test_live_view_lists_every_running_build(tmp_path: Path) -> None:
    out, clock = Tty(), Clock()
    logs = [tmp_path / f"log{i}" for i in range(4)]
    for i, log in enumerate(logs):
        log.write_text(f"configure\nstep {i} of 4\n\n")
    p = Progress(out, width=60, clock=clock)
    p.set_total(5)
    for i, name in enumerate(["alpha", "beta", "gamma", "delta"]):
        p.started(f"k{i}", "building", name, str(logs[i]))
        clock.now += 1
    clock.now += 10
    view = p.render()
    assert view[0] == "[0/5 done, 4 running] 14s"
    assert view[1:] == [f"  building {n} {14 - i}s  > step {i} of 4"
                        for i, n in enumerate(["alpha", "beta", "gamma", "delta"])]
    p.finished("k1", ok=False)
    p.add_fetched(3 << 20)
    assert p.render()[0] == "[1/5 done, 1 failed, 3 running, 3.0 MiB fetched] 14s"
    p.message("error: beta failed")
    shown = screen(out.getvalue())
    assert shown[0] == "error: beta failed" and shown[1].startswith("[1/5 done, 1 failed")
    assert len(shown) == 5 and "beta" not in "".join(shown[1:])
    p.close()
    assert screen(out.getvalue()) == ["error: beta failed", ""]


def test_lines_fit_the_terminal_and_hostile_logs_cannot_move_the_cursor(tmp_path: Path) -> None:
    log = tmp_path / "log"
    log.write_bytes(b"\x1b[2J\x1b[H\x1b]0;title\x07evil \x1b[31mred\x1b[0m " + b"x" * 300
                    + "\u754c".encode() * 50 + b"\r\n\x00")
    line = last_line(str(log))
    assert "\x1b" not in line and line.startswith("evil red xxx")
    out = Tty()
    p = Progress(out, width=40, clock=Clock())
    p.started("k", "building", "n" * 100, str(log))
    for row in p.render():
        width = sum(2 if "\u4e00" <= c <= "\u9fff" else 1 for c in row)
        assert width <= 39, row
    assert "\x1b[2J" not in out.getvalue() and "\x1b]0" not in out.getvalue()


def test_more_builds_than_rows_are_summed_up() -> None:
    out = Tty()
    p = Progress(out, width=80, clock=Clock())
    p._columns = lambda: (80, 6)  # type: ignore[method-assign]
    for i in range(10):
        p.started(f"k{i}", "building", f"b{i}")
    view = p.render()
    assert len(view) <= 5 and view[-1] == "  ... and 7 more"


def test_a_download_shows_its_bytes_while_it_grows(tmp_path: Path) -> None:
    part = tmp_path / "part"
    part.write_bytes(b"x" * 2048)
    p = Progress(Tty(), width=80, clock=Clock())
    p.started("k", "fetching", "src.tar.gz", None, str(part))
    assert "2.0 KiB fetched" in p.render()[0] and "fetching src.tar.gz 0s 2.0 KiB" in p.render()[1]


def test_a_cache_download_shows_paths_bytes_and_rate() -> None:
    clock = Clock()
    p = Progress(Tty(), width=80, clock=clock)
    p.add_fetched(1 << 20)
    p.fetch_begin(3, 6 << 20)
    p.fetch_advance(0)
    clock.now += 2
    p.fetch_advance(2 << 20)
    p.fetched("/sx/store/x-a", 2 << 20, "file:///c")
    view = p.render()
    assert view[0] == "[0/0 done, 0 running, 3.0 MiB fetched] 2s"
    assert view[1] == "  fetched 1/3 paths, 2.0 MiB/6.0 MiB, 1.0 MiB/s"
    p.fetch_end(6 << 20)
    assert p.render() == ["[0/0 done, 0 running, 7.0 MiB fetched] 2s"]


def test_plain_lines_name_each_fetched_path() -> None:
    out = io.StringIO()
    p = Progress(out, live=False)
    p.fetch_begin(1, 1024)
    p.fetched("/sx/store/x-a", 1536, "file:///c")
    p.fetch_end(1536)
    assert out.getvalue() == "fetched /sx/store/x-a (1.5 KiB from file:///c)\n"


def test_the_timer_redraws_without_events() -> None:
    out, clock = Tty(), Clock()
    p = Progress(out, width=80, clock=clock)
    p.started("k", "building", "slow")

    async def main() -> None:
        with trio.fail_after(10):
            async with trio.open_nursery() as n:
                n.start_soon(p.tick, 0.01)
                for _ in range(3):
                    clock.now += 60
                    await trio.sleep(0.05)
                p.stop()

    trio.run(main)
    text = out.getvalue()
    assert "building slow 1m00s" in text and "building slow 3m00s" in text


def test_quiet_keeps_errors_only() -> None:
    out = Tty()
    p = Progress(out, quiet=True)
    p.started("k", "building", "a")
    p.message("note: chatty")
    p.message("error: shown")
    assert out.getvalue() == "error: shown\n"
