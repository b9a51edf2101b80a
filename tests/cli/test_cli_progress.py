"""The live view through a real pseudo-terminal, and plain lines through a pipe."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import selectors
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from sx.derivations.model import Source
from sx_runner import sx_env

pytestmark = pytest.mark.sandbox

RECIPE = '''
from sx.derivations.model import Source, derivation
bb = Source({bb!r}, "busybox")

def slow(n):
    script = f"for i in 1 2 3 4 5 6 7 8; do echo {{n}} tick $i; sleep 0.4; done; echo ok > $out"
    return derivation(f"slow-{{n}}", f"{{bb}}/bin/sh", ["-c", script], srcs=[bb])

def both():
    return [slow("a"), slow("b")]
'''
COLUMNS = 50
_CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _recipe(tmp_path: Path, busybox: Source) -> str:
    path = tmp_path / "slow.py"
    path.write_text(RECIPE.format(bb=busybox.local))
    return str(path)


def _run_on_pty(argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    """Run with stderr on a pty of COLUMNS columns; returns (status, stdout, terminal text)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, COLUMNS, 0, 0))
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=slave, env=env)
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + 180
    sel = selectors.DefaultSelector()  # not select(): descriptors may be numbered past 1024
    sel.register(master, selectors.EVENT_READ)
    while time.monotonic() < deadline:
        if sel.select(0.5):
            try:
                data = os.read(master, 65536)
            except OSError:  # the last writer closed the pty
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    out, _ = proc.communicate(timeout=60)
    sel.close()
    os.close(master)
    return proc.returncode, out.decode(), b"".join(chunks).decode("utf-8", errors="replace")


def test_live_view_on_a_terminal(tmp_path: Path, busybox: Source) -> None:
    path = _recipe(tmp_path, busybox)
    env = sx_env(str(tmp_path / "root"), {"TERM": "xterm"})
    code, out, term = _run_on_pty(
        [sys.executable, "-m", "sx.cli.main", "realize", "-j", "2", f"{path}:both"], env)
    assert code == 0, term
    assert len(out.split()) == 2 and all("-slow-" in p for p in out.split())
    frames = [line for line in re.split(r"[\r\n]", _CONTROL.sub("\n", term)) if line]
    assert all(len(line) <= COLUMNS - 1 for line in frames), max(frames, key=len)
    assert any(line.startswith("[0/") and "2 running]" in line for line in frames), frames
    # Both builds at once, each with its elapsed time and the last line of its log...
    seen = {(m[1], int(m[2]), int(m[4])) for line in frames
            if (m := re.fullmatch(r"  building slow-(a|b) (\d+)s  > (a|b) tick (\d)", line))}
    assert {n for n, _, _ in seen} == {"a", "b"}, frames
    # ...redrawn on the timer: the times and log lines move on between events.
    assert len({t for n, t, _ in seen if n == "a"}) >= 2
    assert len({k for n, _, k in seen if n == "a"}) >= 3
    # The view is gone at the end: what stays on the terminal is no progress block.
    assert term.endswith("\r\x1b[J") or "running]" not in term.splitlines()[-1]


def test_plain_lines_without_a_terminal(tmp_path: Path, busybox: Source) -> None:
    path = _recipe(tmp_path, busybox)
    r = subprocess.run([sys.executable, "-m", "sx.cli.main", "realize", "-j", "2",
                        f"{path}:both"], env=sx_env(str(tmp_path / "root"), {"TERM": "xterm"}),
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr
    assert "\x1b" not in r.stderr
    lines = r.stderr.splitlines()
    assert sorted(line.rsplit("-", 1)[1] for line in lines) == ["a.drv", "b.drv"]
    assert all(re.fullmatch(r"building /sx/store/\w{32}-slow-[ab]\.drv", line) for line in lines)
