"""The ``sx`` console script's entry point: the common command lines before argparse.

argparse imports ``re`` (and with it ``enum``) and ``gettext``, and building
its parser costs more: about 9 ms of a 50 ms ``sx path-info PATH``.
``sx --version`` needs none of it; the plain forms of the other commands
are parsed by cli/quick.py from the same definitions. Every other command
line goes to :func:`sx.cli.main.main`. tests/cli/test_quick_parse.py checks
that both ways give the same namespace.
"""

from __future__ import annotations

import os
import sys


def main() -> int:
    """Entry point of the ``sx`` console script."""
    argv = sys.argv[1:]
    if argv == ["--version"]:
        print(f"sx {installed_version()}")
        return 0
    from sx.cli.quick import parse

    args = parse(argv)
    if args is not None and getattr(args, "func", None):
        from sx.cli.errors import dispatch

        return dispatch(args)
    from sx.cli.main import main as run

    return run()


def installed_version() -> str:
    """sx's version from its installed metadata (``sx-VERSION.dist-info`` on ``sys.path``).

    Read directly: ``importlib.metadata`` imports email, zipfile, pathlib and
    csv, which made ``sx --version`` ten times slower than it needs to be.
    """
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for n in names:
            if n.startswith("sx-") and n.endswith(".dist-info"):
                try:
                    with open(os.path.join(entry, n, "METADATA"), encoding="utf-8") as f:
                        for line in f:
                            if line.startswith("Version:"):
                                return line.split(":", 1)[1].strip()
                            if not line.strip():
                                break  # the headers end at the first blank line
                except OSError:
                    continue
    return "unknown (not installed)"


if __name__ == "__main__":
    sys.exit(main())
