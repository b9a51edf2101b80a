"""The two process starts of a sandboxed build (derivations/build/_spawn.c).

``spawn`` runs a program with stdio placed, chosen descriptors kept, limits
and the parent-death signal set; ``hold`` makes a namespace holder that runs
no program. Each property is checked on the real process (its ``/proc``),
and the deaths on real kills.
"""

from __future__ import annotations

import errno
import fcntl
import os
import resource
import shutil
import signal
import subprocess
import sys
import time

import pytest
from sx.derivations.build import _spawn
from sx.derivations.build.process import Child
from sx_runner import as_nobody, unprivileged_python

PROBE = ("ulimit -u; ulimit -v; ls /proc/$$/fd; "
         "grep -E '^(SigIgn|SigBlk):' /proc/$$/status")


def _read_all(fd: int) -> str:
    out = b""
    while chunk := os.read(fd, 65536):
        out += chunk
    os.close(fd)
    return out.decode()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _wait_dead(pid: int, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_spawn_places_stdio_keeps_only_what_it_is_told_and_sets_limits() -> None:
    r, w = os.pipe()
    kept_r, kept_w = os.pipe()
    stray = os.open(os.devnull, os.O_RDONLY)  # inheritable: must still be closed
    os.set_inheritable(stray, True)
    try:
        child = Child.start(["/bin/bash", "-c", PROBE], stdout=w, stderr=w, pass_fds=[kept_r],
                            rlimits=[(resource.RLIMIT_NPROC, 77),
                                     (resource.RLIMIT_AS, 3 << 30)])
        os.close(w)
        out = _read_all(r).split("\n")
        assert child.wait_blocking() == 0
    finally:
        for fd in (kept_r, kept_w, stray):
            os.close(fd)
    assert out[0] == "77"
    assert out[1] == str(3 << 20)  # KiB
    fds = {int(x) for x in out[2:-3]}
    assert fds == {0, 1, 2, kept_r}
    # Python ignores SIGPIPE and SIGXFSZ: the program gets their defaults, keeps what
    # the caller's caller ignored (as subprocess does), and has no blocked signal.
    assert signal.getsignal(signal.SIGPIPE) == signal.SIG_IGN
    with open("/proc/self/status") as f:
        own = next(int(ln.split()[1], 16) for ln in f if ln.startswith("SigIgn:"))
    expected = own & ~(1 << (signal.SIGPIPE - 1)) & ~(1 << (signal.SIGXFSZ - 1))
    assert out[-3] == "SigBlk:\t0000000000000000"
    assert int(out[-2].split()[1], 16) == expected


def test_spawn_stdin_is_dev_null_and_a_source_on_0_to_2_is_not_lost() -> None:
    """stdout given as fd 2 and stderr as fd 1 (swapped): each lands where asked."""
    code = ("import os, sys; from sx.derivations.build.process import Child\n"
            "c = Child.start(['/bin/sh', '-c', 'readlink /proc/$$/fd/0; echo out; echo err >&2'],"
            " stdout=2, stderr=1)\n"
            "sys.exit(c.wait_blocking())\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "err\n"
    assert proc.stderr == "/dev/null\nout\n"


def _children() -> set[int]:
    found: set[int] = set()
    for task in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{task}/children") as f:
            found |= {int(p) for p in f.read().split()}
    return found


def test_exec_failure_is_an_oserror_naming_the_program_and_leaves_no_child() -> None:
    before = _children()
    with pytest.raises(OSError) as info:
        Child.start(["/nonexistent-sx-test/prog"])
    assert info.value.errno == errno.ENOENT
    assert str(info.value).endswith("exec /nonexistent-sx-test/prog: No such file or directory")
    assert _children() <= before  # the failed child was reaped


def test_a_limit_the_kernel_refuses_fails_before_the_exec() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with pytest.raises(OSError, match="setrlimit"):
        # RLIMIT_NOFILE above the kernel's nr_open: refused even to root.
        Child.start(["/bin/true"], rlimits=[(resource.RLIMIT_NOFILE, 1 << 40)])
    assert resource.getrlimit(resource.RLIMIT_NOFILE) == (soft, hard)


def test_a_kept_descriptor_that_is_not_open_is_an_error() -> None:
    """Not a stdio copy that happened to get its number."""
    closed = 1000
    with pytest.raises(OSError):
        os.fstat(closed)
    with pytest.raises(OSError, match="place descriptors: Bad file descriptor"):
        Child.start(["/bin/true"], pass_fds=[closed])


def test_a_holder_that_cannot_set_itself_up_exits_with_status_1() -> None:
    fd = os.open(os.devnull, os.O_RDONLY)
    os.close(fd)  # a descriptor that is not open: its dup2 fails
    assert Child.hold(fd).wait_blocking() == 1


@pytest.mark.parametrize("keep", [[0], [2], list(range(3, 40))])
def test_spawn_refuses_descriptors_it_cannot_keep(keep: list[int]) -> None:
    with pytest.raises(ValueError, match="spawn: "):
        _spawn.spawn("/bin/true", ["true"], 0, 1, 2, keep, [], 0)


@pytest.mark.parametrize("pdeathsig", [signal.SIGKILL, 0])
def test_the_parent_death_signal_ends_the_program_with_its_starter(pdeathsig: int) -> None:
    """With the signal, ``sleep`` dies when the process that started it is killed;
    without it (the control), ``sleep`` lives on."""
    code = ("import sys, time; from sx.derivations.build.process import Child\n"
            f"c = Child.start(['/bin/sleep', '1000'], pdeathsig={pdeathsig})\n"
            "print(c.pid, flush=True); time.sleep(1000)\n")
    starter = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert starter.stdout is not None
    pid = int(starter.stdout.readline())
    try:
        assert _alive(pid)
        starter.kill()
        starter.wait()
        assert _wait_dead(pid, timeout=5 if pdeathsig else 0.5) == bool(pdeathsig)
    finally:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


def test_the_holder_is_pid_1_of_new_namespaces_and_ends_at_end_of_file() -> None:
    r, w = os.pipe()
    holder = Child.hold(r)
    os.close(r)
    try:
        with open(f"/proc/{holder.pid}/status") as f:
            status = dict(line.split(":\t", 1) for line in f.read().splitlines())
        assert status["NSpid"].split()[-1] == "1"
        blocked = int(status["SigBlk"], 16)
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD, signal.SIGPIPE):
            assert blocked >> (sig - 1) & 1, sig
        for ns in ("user", "pid"):
            assert os.readlink(f"/proc/{holder.pid}/ns/{ns}") != os.readlink(f"/proc/self/ns/{ns}")
        # It closes the copies of sx's descriptors as it starts, concurrently with sx.
        deadline = time.monotonic() + 10
        while os.listdir(f"/proc/{holder.pid}/fd") != ["0"] and time.monotonic() < deadline:
            time.sleep(0.01)
        assert os.listdir(f"/proc/{holder.pid}/fd") == ["0"]
        with open(f"/proc/{holder.pid}/comm") as f:
            assert f.read() == "sx-holder\n"  # named before it closed them
        os.write(w, b"data is ignored")
        time.sleep(0.05)
        assert holder.poll() is None
    finally:
        os.close(w)
    assert holder.wait_blocking() == 0


def _netns(pid: int | str) -> str:
    return os.readlink(f"/proc/{pid}/ns/net")


# Run by the started program: it can listen and connect on its own loopback.
_LOOPBACK = ("import socket\n"
             "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1)\n"
             "c = socket.create_connection(s.getsockname(), timeout=5)\n"
             "a, _ = s.accept(); c.sendall(b'x'); assert a.recv(1) == b'x'\n")


def test_a_holder_with_net_has_a_network_namespace_of_its_own() -> None:
    held = []
    try:
        for net in (False, True):
            r, w = os.pipe()
            held.append((Child.hold(r, net), w))
            os.close(r)
        (plain, _), (netted, _) = held
        assert _netns(plain.pid) == _netns("self")
        assert _netns(netted.pid) != _netns("self")
    finally:
        for holder, w in held:
            os.close(w)
            assert holder.wait_blocking() == 0


def test_spawn_enters_a_network_namespace_and_brings_its_loopback_up() -> None:
    """As root; an unprivileged caller may not enter it (the next test)."""
    r, w = os.pipe()
    holder = Child.hold(r, True)
    os.close(r)
    fd = os.open(f"/proc/{holder.pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    out_r, out_w = os.pipe()
    try:
        if os.geteuid() != 0:
            with pytest.raises(OSError, match="enter the network namespace"):
                Child.start(["/bin/true"], netns=fd)
            return
        # Down in a new namespace: entered without spawn, the program cannot connect.
        control = subprocess.run(["nsenter", f"--net=/proc/{holder.pid}/ns/net",
                                  sys.executable, "-c", _LOOPBACK], capture_output=True,
                                 text=True, timeout=60, check=False)
        assert control.returncode != 0 and "unreachable" in control.stderr, control.stderr
        probe = Child.start([sys.executable, "-c", _LOOPBACK + "\nimport os, time\n"
                             "print(os.readlink('/proc/self/ns/net'), flush=True)\n"
                             "time.sleep(30)\n"],
                            stdout=out_w, stderr=out_w, netns=fd)
        os.close(out_w)
        out_w = -1
        line = os.read(out_r, 4096).decode()
        assert line.strip() == _netns(holder.pid), line
        probe.kill()
        probe.wait_blocking()
    finally:
        for d in (fd, out_r, out_w, w):
            if d >= 0:
                os.close(d)
        holder.wait_blocking()


def test_an_unprivileged_caller_cannot_enter_a_holders_network_namespace() -> None:
    """Why sx makes the network namespace ahead only as root (see buildns.py)."""
    code = ("import os\n"
            "from sx.derivations.build.process import Child\n"
            "r, w = os.pipe(); h = Child.hold(r, True); os.close(r)\n"
            "fd = os.open(f'/proc/{h.pid}/ns/net', os.O_RDONLY)\n"
            "try:\n"
            "    Child.start(['/bin/true'], netns=fd).wait_blocking()\n"
            "    print('entered')\n"
            "except OSError as e:\n"
            "    print(e)\n"
            "os.close(w); h.wait_blocking()\n")
    proc = subprocess.run([*as_nobody(), *unprivileged_python(code)], capture_output=True,
                          text=True, timeout=60, cwd="/", check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[Errno 1] enter the network namespace: Operation not permitted"


def test_spawn_refuses_a_bad_network_namespace_descriptor() -> None:
    with pytest.raises(ValueError, match="network namespace descriptor"):
        _spawn.spawn("/bin/true", ["true"], 0, 1, 2, [], [], 0, -2)
    fd = os.open(os.devnull, os.O_RDONLY)  # not a namespace
    try:
        with pytest.raises(OSError, match="enter the network namespace: Invalid argument"):
            Child.start(["/bin/true"], netns=fd)
    finally:
        os.close(fd)


def test_the_holder_ends_when_its_starter_is_killed() -> None:
    """kill -9 of the process that holds the pipe's write end ends the holder."""
    code = ("import os, time; from sx.derivations.build.process import Child\n"
            "r, w = os.pipe(); h = Child.hold(r); os.close(r)\n"
            "print(h.pid, flush=True); time.sleep(1000)\n")
    starter = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert starter.stdout is not None
    pid = int(starter.stdout.readline())
    assert _alive(pid)
    starter.kill()
    starter.wait()
    assert _wait_dead(pid)


def test_the_extension_binds_every_symbol_at_load() -> None:
    """The holder shares sx's memory: no lazy binding may run in it (setup.py: -z now)."""
    dynamic = subprocess.run(["readelf", "-d", _spawn.__file__], capture_output=True,
                             text=True, check=True).stdout
    assert "BIND_NOW" in dynamic or "Flags: NOW" in dynamic


def test_a_bounded_wait_works_on_a_descriptor_past_1024() -> None:
    # A run with many builds open numbers its descriptors high; select() would
    # refuse one past 1024 with a ValueError.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard <= 2000:
        pytest.fail(f"the hard descriptor limit {hard} is too low for this test")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 2048), hard))
    proc = Child.start([shutil.which("sleep") or "/bin/sleep", "0.3"])
    try:
        # The lowest free descriptor from 1500 on (none is closed on the way).
        high = fcntl.fcntl(proc._pidfd, fcntl.F_DUPFD_CLOEXEC, 1500)  # type: ignore[attr-defined]
        assert high >= 1500
        os.close(proc._pidfd)  # type: ignore[attr-defined]
        proc._pidfd = high  # type: ignore[attr-defined]
        assert proc.wait_for(0.01) is None
        assert proc.wait_for(30) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            proc.wait_blocking()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
