"""The progress display: a redrawn line on a terminal, plain lines otherwise."""

from __future__ import annotations

import io

from sx.derivations.build.progress import Progress


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_lines_when_not_a_terminal() -> None:
    out = io.StringIO()
    p = Progress(out)
    p.set_total(2)
    p.started("/sx/store/x-a.drv", "building", "a")
    p.finished("/sx/store/x-a.drv")
    p.message("error: something")
    p.close()
    assert out.getvalue() == "building /sx/store/x-a.drv\nerror: something\n"


def test_live_line_on_a_terminal() -> None:
    out = Tty()
    p = Progress(out)
    p.set_total(3)
    p.started("k1", "building", "alpha")
    p.started("k2", "fetching", "beta")
    p.finished("k1", ok=False)
    text = out.getvalue()
    assert "\r\x1b[K[0/3 done] building alpha" in text
    assert "[1/3 done, 1 failed] fetching beta" in text
    p.message("error: alpha failed")
    p.close()
    assert out.getvalue().endswith("\r\x1b[K")
    assert "\r\x1b[Kerror: alpha failed\n" in out.getvalue()


def test_quiet_keeps_errors_only() -> None:
    out = io.StringIO()
    p = Progress(out, quiet=True)
    p.started("k", "building", "a")
    p.message("note: chatty")
    p.message("error: shown")
    assert out.getvalue() == "error: shown\n"
