"""The ``sx`` console script's entry point: ``sx --version`` and ``sx hash file`` before argparse.

argparse imports ``re`` (and with it ``enum``), about a third of the
instructions of a short command (13 ms of a 47 ms ``sx hash file``).
``sx --version`` needs neither, nor does ``sx hash file PATH...`` without
options, so they are run here; every other command line goes to
:func:`sx.cli.main.main`. tests/cli/test_cli_startup.py checks that both ways give
the same output, errors and exit codes.
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
    if argv[:2] == ["hash", "file"]:
        from sx.cli.hash_cmd import cmd_file, plain_file_args

        args = plain_file_args(argv)
        if args is not None:
            from sx.cli.errors import run_command

            return run_command(cmd_file, args)
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
