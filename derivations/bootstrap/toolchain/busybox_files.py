"""Which of busybox 1.35.0's files the first busybox compiles, as its Kbuild picks them.

busybox's build is Kbuild (make and shell scripts), which cannot run before
there is a shell, so :mod:`busybox` compiles a kept list of sources
(``busybox-0.files``) with kaem. :func:`plan` computes that list the way
Kbuild does, from the source tree and the configuration (Debian's static
one with the symbols of ``busybox-0.off`` unset); a test recomputes it from
the pinned tarballs and compares.

Kbuild's rules, as far as busybox's ``Kbuild.src`` files use them: each
folder's ``Kbuild.src`` plus the ``//kbuild:`` lines of its ``.c`` files
(at its ``INSERT`` line); ``lib-$(CONFIG_X) += a.o b.o`` adds objects when
X is set; ``ifeq``/``ifneq``/``else``/``endif`` and ``VAR :=``/``+=`` are
evaluated; an object stands for the ``.c`` file of its name.
"""

from __future__ import annotations

import os
import re
from functools import cache

from sx.derivations.bootstrap.toolchain import noshell

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "busybox-0.files")
OFF = os.path.join(HERE, "busybox-0.off")
CONFIG = "debian/config/pkg/static"
"""The configuration busybox-0 starts from, in Debian's packaging (busybox-static's)."""

FOLDERS = ("applets", "archival", "archival/libarchive", "console-tools", "coreutils",
           "coreutils/libcoreutils", "debianutils", "klibc-utils", "e2fsprogs", "editors",
           "findutils", "init", "libbb", "libpwdgrp", "loginutils", "mailutils", "miscutils",
           "modutils", "networking", "networking/libiproute", "networking/udhcp",
           "printutils", "procps", "runit", "selinux", "shell", "sysklogd", "util-linux",
           "util-linux/volume_id")
"""The folders busybox's top Makefile builds (``core-y``, ``libs-y``), in its order."""

_SET = re.compile(r"^CONFIG_([A-Za-z0-9_]+)=(.*)$")
_UNSET = re.compile(r"^# CONFIG_([A-Za-z0-9_]+) is not set$")
_ASSIGN = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*(:=|\+=|=)\s*(.*)$")
_IF = re.compile(r"^if(n?)eq\s*\((.*),(.*)\)$")
_OBJS = re.compile(r"^(?:lib|obj)-(\S*)\s*(?:\+=|:=)\s*(.*)$")
_IGNORED = re.compile(r"^(?:libs-y|hostprogs|always|HOSTCFLAGS|quiet_cmd|cmd_)|^[^=:]+:(?!=)")
"""What says nothing about which sources are compiled: subfolders (listed in
``FOLDERS``), host programs, make rules and their commands."""


def off_symbols(text: str) -> list[str]:
    """The names of ``busybox-0.off``: one per line, ``#`` lines are comments."""
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.startswith("#")]


def configuration(text: str, off: list[str]) -> dict[str, str | None]:
    """The symbols of a configuration (value, or None when not set), ``off`` unset."""
    conf: dict[str, str | None] = {}
    for line in text.splitlines():
        if m := _SET.match(line):
            conf[m.group(1)] = m.group(2)
        elif m := _UNSET.match(line):
            conf[m.group(1)] = None
    for name in off:
        if name not in conf:
            raise ValueError(f"{OFF}: {name}: not a symbol of the configuration")
        conf[name] = None
    return conf


def _c_files(src: str, folder: str) -> list[str]:
    path = os.path.join(src, folder)
    return sorted(n for n in os.listdir(path)
                  if n.endswith(".c") and os.path.isfile(os.path.join(path, n)))


def _lines(src: str, folder: str) -> list[str]:
    """``Kbuild.src`` with the ``//kbuild:`` lines inserted, continuations joined."""
    with open(os.path.join(src, folder, "Kbuild.src"), encoding="utf-8") as f:
        text = f.read().split("\n")
    inserted = []
    for name in _c_files(src, folder):
        with open(os.path.join(src, folder, name), encoding="utf-8",
                  errors="surrogateescape") as f:
            inserted += [line[len("//kbuild:"):].rstrip("\n") for line in f
                         if line.startswith("//kbuild:")]
    at = text.index("INSERT") if "INSERT" in text else len(text)
    joined, pending = [], ""
    for line in [*text[:at], *inserted, *text[at + 1:]]:
        if line.endswith("\\"):
            pending += line[:-1] + " "
        else:
            joined.append(pending + line)
            pending = ""
    return joined


def _sources(src: str, folder: str, conf: dict[str, str | None]) -> list[str]:
    variables: dict[str, str] = {}

    def value(text: str) -> str:
        text = re.sub(r"\$\(CONFIG_([A-Za-z0-9_]+)\)", lambda m: conf.get(m.group(1)) or "",
                      text)
        return re.sub(r"\$\(([A-Za-z0-9_]+)\)", lambda m: variables.get(m.group(1), ""), text)

    objects: list[str] = []
    active = [True]
    for raw in _lines(src, folder):
        line = raw.split("#")[0].strip()
        if m := _IF.match(line):
            equal = value(m.group(2)).strip() == value(m.group(3)).strip()
            active.append(active[-1] and equal != (m.group(1) == "n"))
        elif line == "else":
            active[-1] = not active[-1] and active[-2]
        elif line == "endif":
            active.pop()
        elif not active[-1] or not line or raw.startswith("\t") or _IGNORED.match(line):
            continue
        elif m := _OBJS.match(line):
            if value(m.group(1)) == "y":
                objects += value(m.group(2)).split()
        elif m := _ASSIGN.match(line):
            before = variables.get(m.group(1), "") + " " if m.group(2) == "+=" else ""
            variables[m.group(1)] = before + value(m.group(3))
        else:
            raise ValueError(f"{folder}/Kbuild.src: cannot read {raw!r}")
    seen: dict[str, None] = {}
    for o in objects:
        seen.setdefault(f"{folder}/{o[:-2]}.c")
    return list(seen)


def plan(src: str, config_text: str, off: list[str]) -> list[str]:
    """The ``.c`` files Kbuild compiles for the configuration, in its order (paths
    relative to the source tree ``src``)."""
    conf = configuration(config_text, off)
    return [s for folder in FOLDERS for s in _sources(src, folder, conf)]


def scanned(src: str) -> list[str]:
    """The files whose ``//applet:`` lines Kbuild collects into ``applets.h``: every
    ``*/*.c``, then every ``*/*/*.c`` (a source may include another's applets, as
    ``syslogd_and_logger.c`` does). Only regular files of the tree, no link followed."""
    found: list[str] = []
    for depth in (2, 3):
        level = [""]
        for _ in range(depth - 1):
            level = [f"{p}{e.name}/" for p in level for e in _entries(src, p) if e.is_dir(
                follow_symlinks=False) and not e.name.startswith(".")]
        found += sorted((f"{p}{e.name}" for p in level for e in _entries(src, p)
                         if e.name.endswith(".c") and e.is_file(follow_symlinks=False)),
                        key=lambda n: n.encode())
    return found


def _entries(src: str, folder: str) -> list[os.DirEntry[str]]:
    with os.scandir(os.path.join(src, folder)) as it:
        return list(it)


def render(sources: list[str], scanned: list[str]) -> str:
    """The data file's text: ``source PATH`` lines, then ``applets PATH`` lines."""
    return "".join([*(f"source {s}\n" for s in sources), *(f"applets {s}\n" for s in scanned)])


@cache
def _kept() -> dict[str, list[list[str]]]:
    with open(DATA, encoding="utf-8") as f:
        return noshell.parse_lines(f.read(), DATA, {"source": 1, "applets": 1})


def sources() -> tuple[str, ...]:
    """The kept list of sources to compile."""
    return tuple(w[0] for w in _kept()["source"])


def applet_sources() -> tuple[str, ...]:
    """The kept list of the files whose ``//applet:`` lines make ``applets.h``."""
    return tuple(w[0] for w in _kept()["applets"])
