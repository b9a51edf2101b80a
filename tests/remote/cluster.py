"""A real remote execution cluster on 127.0.0.1 for the tests: PostgreSQL, BuildGrid, sx workers.

BuildGrid (from PyPI, the dev extra) needs PostgreSQL for its scheduler (it
refuses SQLite); Debian's postgresql provides it. Every process is started
under ``setpriv --pdeathsig KILL``, so none outlives the test session even if
pytest itself is killed, and each is stopped (and waited for) at teardown.
PostgreSQL and the workers run as unprivileged users when the tests run as
root (one worker as root, mapped ids; one as ``nobody``, plain mode).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

BGD = str(Path(sys.executable).parent / "bgd")
NOBODY = 65534
START_TIMEOUT = 90.0
# Short enough that a killed worker's lease moves on within seconds, long enough
# for BuildGrid to long-poll (it refuses to wait when less than 3 s would remain).
KEEPALIVE = 10


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is missing (scripts/install-system-deps.sh)")
    return found[-1]


def _as(uid: int | None, gid: int | None) -> list[str]:
    argv = ["setpriv", "--pdeathsig", "KILL"]
    if uid is not None and os.geteuid() == 0:
        argv += ["--reuid", str(uid), "--regid", str(gid), "--clear-groups"]
    return [*argv, "--"]


def _wait_port(port: int, proc: subprocess.Popen[bytes], log: Path, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited {proc.returncode}: {log.read_text()[-2000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on {port}: {log.read_text()[-2000:]}")


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    """Signal ``proc`` and wait for it (SIGKILL after a few seconds)."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@dataclass
class WorkerProc:
    """One running ``sx worker``."""

    name: str
    root: str
    log: Path
    proc: subprocess.Popen[bytes]
    uid: int | None

    def text(self) -> str:
        """What it has said so far."""
        return self.log.read_text(errors="replace")

    def leases_done(self) -> int:
        """Leases it has completed."""
        return self.text().count(" done: status")


@dataclass
class Cluster:
    """PostgreSQL + BuildGrid + workers under ``base``."""

    base: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    workers: dict[str, WorkerProc] = field(default_factory=dict)
    port: int = 0
    cas_dir: Path = Path()
    interval: float = 0.02
    """How often BuildGrid's assigner looks for queued actions."""
    notify_timeout: float = 1.0
    """How long BuildGrid's notifier threads wait for PostgreSQL's NOTIFY before they
    look again (``poll-interval``, ``bot-poll-interval``). A NOTIFY wakes them at once,
    so this costs no latency; shorter, they only wake more often for nothing."""

    @property
    def url(self) -> str:
        """The engine's address for ``--remote``."""
        return f"grpc://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start PostgreSQL and BuildGrid (workers are started separately)."""
        pg_port = self._postgres()
        self.port = free_port()
        self.cas_dir = self.base / "cas"
        self.cas_dir.mkdir()
        db = f"postgresql+psycopg2://bgd@127.0.0.1:{pg_port}/bgd"
        subprocess.run([BGD, "migrate", "apply", db.replace("+psycopg2", "")], check=True,
                       capture_output=True, timeout=120)
        conf = self.base / "bgd.yml"
        conf.write_text(CONFIG.format(port=self.port, db=db, cas=self.cas_dir,
                                      keepalive=KEEPALIVE, interval=self.interval,
                                      jitter=self.interval / 2,
                                      notify=self.notify_timeout))
        log = self.base / "bgd.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen([*_as(None, None), BGD, "server", "start", str(conf)],
                                    stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL)
        self.procs.append(proc)
        _wait_port(self.port, proc, log, "BuildGrid")

    def _postgres(self) -> int:
        pg = self.base / "pg"
        pg.mkdir()
        uid = gid = None
        if os.geteuid() == 0:
            entry = pwd.getpwnam("postgres")
            uid, gid = entry.pw_uid, entry.pw_gid
            os.chown(pg, uid, gid)
            os.chmod(self.base, 0o755)
        subprocess.run([*_as(uid, gid), _pg_bin("initdb"), "-A", "trust", "-U", "bgd",
                        "--no-sync", "-D", str(pg / "data")], check=True, capture_output=True,
                       timeout=120)
        port = free_port()
        log = self.base / "pg.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [*_as(uid, gid), _pg_bin("postgres"), "-D", str(pg / "data"), "-p", str(port),
                 "-k", str(pg), "-h", "127.0.0.1", "-F"],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.procs.append(proc)
        _wait_port(port, proc, log, "PostgreSQL")
        for _ in range(50):
            r = subprocess.run([_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(port),
                                "-U", "bgd", "bgd"], capture_output=True, timeout=60)
            if r.returncode == 0:
                return port
            time.sleep(0.2)
        raise RuntimeError(f"createdb failed: {r.stderr.decode()}")

    def add_worker(self, name: str, unprivileged: bool = False, jobs: int = 1) -> WorkerProc:
        """Start ``sx worker`` NAME with a root of its own (as ``nobody`` if asked, as root)."""
        wdir = self.base / f"worker-{name}"
        wdir.mkdir(exist_ok=True)
        uid = NOBODY if unprivileged and os.geteuid() == 0 else None
        if uid is not None:
            os.chown(wdir, uid, uid)
        root = str(wdir / "root")
        log = self.base / f"worker-{name}.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("SX_")}
        env.update(PYTHONUNBUFFERED="1", HOME=str(wdir))
        with open(log, "ab") as out:
            proc = subprocess.Popen(
                [*_as(uid, uid), sys.executable, "-m", "sx.cli.main", "--root", root, "worker",
                 self.url, "--name", name, "-j", str(jobs)],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        w = WorkerProc(name, root, log, proc, uid)
        self.workers[name] = w
        deadline = time.monotonic() + START_TIMEOUT
        while "session" not in w.text():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker {name} did not start: {w.text()[-2000:]}")
            time.sleep(0.1)
        return w

    def stop_worker(self, name: str, sig: int = signal.SIGTERM) -> None:
        """Stop (or with SIGKILL, kill) a worker."""
        w = self.workers.pop(name)
        stop(w.proc, sig)

    def engine_cpu(self) -> tuple[float, float]:
        """CPU seconds used so far by BuildGrid and by PostgreSQL (its server processes)."""
        pg, bgd = self.procs[0].pid, self.procs[1].pid
        return _cpu(bgd, children=False), _cpu(pg, children=True)

    def close(self) -> None:
        """Stop every process, newest first."""
        for name in list(self.workers):
            self.stop_worker(name)
        for proc in reversed(self.procs):
            stop(proc, signal.SIGINT)


def _cpu(pid: int, children: bool) -> float:
    """User and system CPU seconds of ``pid`` (and of its reaped children), plus those
    of its live children when asked."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # it ended meanwhile
        me, parent = int(stat.split("/")[2]), int(fields[1])
        if me == pid:
            total += sum(int(x) for x in fields[11:15])
        elif children and parent == pid:
            total += int(fields[11]) + int(fields[12])
    return total / tick


def have_cluster_tools() -> str | None:
    """Why a cluster cannot start here, or None."""
    if not os.path.exists(BGD):
        return "BuildGrid's bgd is not installed (the dev extra)"
    if not glob.glob("/usr/lib/postgresql/*/bin/postgres"):
        return "PostgreSQL is not installed (scripts/install-system-deps.sh)"
    if not shutil.which("setpriv"):
        return "setpriv is missing"
    return None


CONFIG = """\
# Every Execute stream holds a server thread: room for 64 actions in flight and the bots.
thread-pool-size: 200
limiter: !limiter
  concurrent-request-limit: 190
server:
  - !channel
    address: "127.0.0.1:{port}"
    insecure-mode: true
authorization:
  method: none
connections:
  - !sql-connection &sql
    connection-string: {db}
    pool-size: 5
    pool-timeout: 30
    max-overflow: 10
storages:
  - !disk-storage &cas
    path: {cas}
caches:
  - !lru-action-cache &ac
    storage: *cas
    max-cached-refs: 100000
    allow-updates: true
    cache-failed-actions: false
schedulers:
  - !sql-scheduler &sched
    sql: *sql
    storage: *cas
    action-cache: *ac
    bot-session-keepalive-timeout: {keepalive}
    session-expiry-timer-interval: 1
    poll-interval: {notify}
    bot-poll-interval: {notify}
    property-set: !dynamic-property-set
      match-property-keys: [OSFamily, ISA, sx-sandbox]
      wildcard-property-keys: []
    assigners:
      - !priority-age-assigner
        count: 1
        interval: {interval}
        jitter-factor: {jitter}
        # A job that finds no free bot waits this long before it is tried again
        # (BuildGrid: 5 s). A bot whose own UpdateBotSession holds its row locked
        # counts as not free, so without this about one action in 24 waited 5 s.
        failure-backoff: {interval}
instances:
  - name: ''
    services:
      - !action-cache
        cache: *ac
      - !execution
        scheduler: *sched
      - !cas
        storage: *cas
      - !bytestream
        storage: *cas
"""
