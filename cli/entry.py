"""The ``sx`` console script's entry point: ``sx --version`` before argparse.

argparse imports ``re`` (and with it ``enum``), about a third of the
instructions of a short command. ``sx --version`` alone needs neither, so it
is answered here; every other command line goes to :func:`sx.cli.main.main`.
"""

from __future__ import annotations

import os
import sys


def main() -> int:
    """Entry point of the ``sx`` console script."""
    if sys.argv[1:] == ["--version"]:
        print(f"sx {installed_version()}")
        return 0
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
