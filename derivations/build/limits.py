"""Resource limits of one build, and what its processes use.

Two mechanisms work together (docs/builder.md, "Limits"):

* the kernel refuses: ``RLIMIT_NPROC`` (counted per build, because every
  build has a user namespace of its own) and, with ``--max-memory``,
  ``RLIMIT_AS`` on every process of the build;
* sx watches: it samples the build's processes through the ``/proc`` of its
  pid namespace and kills the build, naming the limit, when the processes
  reach the pids limit, their resident memory passes ``--max-memory``, or
  their CPU time passes ``--max-cpu-time``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from sx.derivations.build.settings import DEFAULT_MAX_PIDS

_TICK = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Limits:
    """What one build may use (None: unlimited)."""

    pids: int | None = DEFAULT_MAX_PIDS
    """Processes and threads of the builder at once (the sandbox's own not counted)."""
    memory: int | None = None
    """Bytes: resident memory of all its processes, and address space of each."""
    cpu_time: float | None = None
    """Seconds of CPU time of all its processes together."""

    @property
    def sampled(self) -> bool:
        """Whether anything has to be watched while the build runs."""
        return any(v is not None for v in (self.pids, self.memory, self.cpu_time))


@dataclass(frozen=True)
class Usage:
    """What the processes of a pid namespace use right now."""

    tasks: int
    """Threads of every process (what ``RLIMIT_NPROC`` counts)."""
    rss: int
    """Resident bytes, summed over the processes."""
    cpu: float
    """CPU seconds of the live processes and of every child they reaped."""
    refused: bool = False
    """A fork was refused for the pids limit (known only where a cgroup counts it)."""


def sample(proc_dir: str) -> Usage:
    """Sum the ``stat`` records under ``proc_dir`` (a procfs of the build's pid namespace)."""
    tasks = rss = ticks = 0
    try:
        names = os.listdir(proc_dir)
    except OSError:
        return Usage(0, 0, 0.0)
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(os.path.join(proc_dir, name, "stat"), "rb") as f:
                raw = f.read()
        except OSError:
            continue  # ended meanwhile
        # Fields after the command name, which may itself hold spaces and ')'.
        fields = raw[raw.rfind(b")") + 2:].split()
        if len(fields) < 22:
            continue
        ticks += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
        tasks += int(fields[17])
        rss += int(fields[21]) * _PAGE
    return Usage(tasks, rss, ticks / _TICK)


def exceeded(limits: Limits, usage: Usage, overhead: int) -> str | None:
    """The limit ``usage`` is at or over, in words, or None.

    ``overhead`` is how many of the counted tasks are the sandbox's own.
    """
    if limits.pids is not None and (usage.refused or usage.tasks - overhead >= limits.pids):
        return f"process limit of {limits.pids} reached (--max-pids)"
    if limits.memory is not None and usage.rss > limits.memory:
        return (f"memory limit of {limits.memory} bytes exceeded "
                f"({usage.rss} resident; --max-memory)")
    if limits.cpu_time is not None and usage.cpu > limits.cpu_time:
        return f"CPU time limit of {limits.cpu_time:g} s exceeded (--max-cpu-time)"
    return None
