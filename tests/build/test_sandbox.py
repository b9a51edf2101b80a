"""The sandbox, for real: what a build can and cannot see or do."""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from build_helpers import Shell, build, out, read
from sx.derivations.build import runner
from sx.derivations.build.buildns import ROOT_UID
from sx.derivations.build.errors import BuildError
from sx.derivations.build.linux import BwrapSandbox
from sx.derivations.build.sandbox import Launch, SandboxError, SandboxSpec
from sx.derivations.model import Output
from sx.store.local import LocalStore

pytestmark = pytest.mark.sandbox


@pytest.fixture
def store(both_store: LocalStore) -> LocalStore:
    """Every sandbox test runs in plain mode and (as root) in mapped mode."""
    return both_store


@pytest.fixture
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A TCP server on the host's loopback that records what it receives."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    srv.settimeout(0.2)
    got: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    got.append(conn.recv(100))
                    conn.sendall(b"pong from host\n")
                except OSError:
                    pass

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    yield srv.getsockname()[1], got
    stop.set()
    t.join(5)
    srv.close()


def test_build_cannot_reach_the_network(store: LocalStore, sh: Shell,
                                        listener: tuple[int, list[bytes]]) -> None:
    port, got = listener
    drv = sh("net", f"if echo ping | nc -w 2 127.0.0.1 {port} > /build/r 2>&1; "
                    "then echo reached > $out; else echo unreachable > $out; fi; "
                    "cat /proc/net/dev >> $out")
    result = read(out(store, drv))
    assert result.startswith("unreachable")
    assert "eth" not in result and "ens" not in result
    assert got == []


def test_build_has_a_loopback_of_its_own(store: LocalStore, sh: Shell) -> None:
    """Up, and the build's alone: a server it starts on 127.0.0.1 answers it."""
    drv = sh("lo", "timeout 10 nc -l -p 7777 > /build/got & "
                   "for i in $(seq 50); do "
                   "echo hi | nc -w 1 127.0.0.1 7777 && break; sleep 0.2; done; "
                   "wait; cat /build/got > $out; cat /proc/net/dev >> $out")
    lines = read(out(store, drv)).splitlines()
    assert lines[0] == "hi"
    assert [ln.split(":")[0].strip() for ln in lines[3:]] == ["lo"]


def test_each_build_has_a_network_namespace_of_its_own(store: LocalStore, sh: Shell) -> None:
    """Never sx's, never another build's: three builds alive at once name three.

    (Compared while all are alive: the kernel reuses a freed namespace's number.)
    """
    drvs = [sh(f"ns{i}", "readlink /proc/self/ns/net > $out; sleep 2") for i in range(3)]
    outcome = build(store, *drvs, jobs=3)
    seen = {read(store.real_path(o["out"])).strip() for o in outcome.outputs}
    assert len(seen) == 3 and all(s.startswith("net:[") for s in seen)
    assert os.readlink("/proc/self/ns/net") not in seen


def test_as_root_the_build_network_is_made_ahead_by_the_holder() -> None:
    """Root may enter it (CAP_SYS_ADMIN); an unprivileged sx leaves it to bwrap."""
    sandbox = BwrapSandbox()
    sandbox.check()
    assert sandbox.own_net(sandbox.ids) == (os.geteuid() == 0)


def test_the_plain_identity_is_probed_for_the_network_on_first_use(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The network choice is each identity's own: as root, the mapped build user may
    enter the holder's namespace while plain ids may not; each is probed once."""
    real = BwrapSandbox._probe
    tried: list[tuple[tuple[int, int] | None, bool]] = []

    def probe(self: BwrapSandbox, ids: tuple[int, int] | None,
              net: bool = False) -> tuple[int, str]:
        tried.append((ids, net))
        return (1, "refused") if ids is None and net else real(self, ids, net)

    monkeypatch.setattr(BwrapSandbox, "_probe", probe)
    sandbox = BwrapSandbox()
    sandbox.check()
    root = os.geteuid() == 0
    assert sandbox.own_net(sandbox.ids) == (root and sandbox.ids is not None)
    assert not sandbox.own_net(None) and not sandbox.own_net(None)
    assert tried.count((None, True)) == (1 if root else 0)
    assert tried.count((None, False)) == 1


def test_where_the_network_made_ahead_fails_bwrap_makes_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A sandbox that cannot enter the holder's network namespace still builds."""
    real = BwrapSandbox._probe
    tried: list[bool] = []

    def probe(self: BwrapSandbox, ids: tuple[int, int] | None,
              net: bool = False) -> tuple[int, str]:
        tried.append(net)
        return (1, "refused") if net else real(self, ids, net)

    monkeypatch.setattr(BwrapSandbox, "_probe", probe)
    sandbox = BwrapSandbox()
    sandbox.check()
    assert not sandbox.own_net(sandbox.ids)
    assert tried[-1] is False and (True in tried) == (os.geteuid() == 0)


def test_a_sandbox_start_that_fails_fails_that_build(store: LocalStore, sh: Shell,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A real failure of the start (entering a "namespace" that is not one) is that
    build's error: the other build is made, and no holder or descriptor is left."""
    real = BwrapSandbox.command
    not_a_namespace = os.open("/dev/null", os.O_RDONLY | os.O_CLOEXEC)

    def command(self: BwrapSandbox, spec: SandboxSpec, *args: Any) -> Launch:
        launch = real(self, spec, *args)
        if "refused" in " ".join(spec.args):
            launch = dataclasses.replace(launch, netns=not_a_namespace)
        return launch

    monkeypatch.setattr(BwrapSandbox, "command", command)
    bad, good = sh("bad", "echo refused > $out"), sh("good", "echo fine > $out")
    fds = set(os.listdir("/proc/self/fd"))
    try:
        with pytest.raises(BuildError, match="sandbox could not be set up: enter the network "
                                             "namespace: Invalid argument"):
            build(store, bad, good, jobs=1, keep_going=True)
    finally:
        os.close(not_a_namespace)
    assert read(store.real_path(store.derivation_outputs(good.drv_path)["out"])) == "fine\n"
    assert store.derivation_outputs(bad.drv_path) == {}
    assert set(os.listdir("/proc/self/fd")) <= fds | {str(not_a_namespace)}
    holders = [p for p in os.listdir("/proc") if p.isdigit() and _holder_of_mine(p)]
    assert holders == []


def _holder_of_mine(pid: str) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return False
    name, _, rest = stat.partition(") ")
    return name.endswith("(sx-holder") and int(rest.split()[1]) == os.getpid()


def test_fixed_output_build_may_use_the_network(store: LocalStore, sh: Shell,
                                               listener: tuple[int, list[bytes]]) -> None:
    from sx.store.hashing import Digest

    port, got = listener
    expected = Digest.sha256(b"pong from host\n")
    drv = sh("netfod", f"echo ping | nc -w 2 127.0.0.1 {port} > $out",
             outputs=[Output("out", (expected,))])
    assert read(out(store, drv)) == "pong from host\n"
    assert got == [b"ping\n"]


def test_build_cannot_see_host_files(store: LocalStore, sh: Shell) -> None:
    drv = sh("host", "ls -a / > $out; cat /etc/passwd >> $out 2>&1 || echo no-passwd >> $out;"
                     " ls /tmp >> $out 2>&1 || echo no-tmp >> $out; hostname >> $out; id >> $out;"
                     " echo $PATH $HOME $TMPDIR $TZ $LC_ALL $SOURCE_DATE_EPOCH >> $out;"
                     " pwd >> $out")
    lines = read(out(store, drv)).splitlines()
    assert lines[:6] == [".", "..", "build", "dev", "proc", "sx"]
    text = "\n".join(lines)
    assert "root:" not in text and "no-passwd" in text and "no-tmp" in text
    assert "localhost" in lines
    assert "uid=1000 gid=100" in text
    assert "/path-not-set /homeless-shelter /build UTC C 1" in lines
    assert lines[-1] == "/build"


def test_build_cannot_write_its_inputs(store: LocalStore, sh: Shell) -> None:
    dep = sh("dep", "mkdir $out; echo original > $out/f")
    drv = sh("writer", f"(echo changed > {dep.out}/f) 2>/dev/null && echo wrote > $out;"
                       f" (touch {dep.out}/new) 2>/dev/null && echo created >> $out;"
                       f" (chmod 777 {dep.out}/f) 2>/dev/null && echo chmod >> $out;"
                       " (touch /newfile) 2>/dev/null && echo root-writable >> $out;"
                       " echo done >> $out", inputs=[dep])
    o = build(store, drv)
    assert read(store.real_path(o.outputs[0]["out"])) == "done\n"
    dep_path = store.real_path(store.derivation_outputs(dep.drv_path)["out"])
    assert read(os.path.join(dep_path, "f")) == "original\n"
    assert os.listdir(dep_path) == ["f"]


def test_build_sees_only_declared_inputs(store: LocalStore, sh: Shell) -> None:
    declared = sh("declared", "echo a > $out")
    other = sh("other", "echo b > $out")
    build(store, declared, other)
    drv = sh("lister", "ls /sx/store > $out", inputs=[declared])
    o = build(store, drv)
    seen = set(read(store.real_path(o.outputs[0]["out"])).split())
    closure = {p.base for p in store.closure(
        [store.derivation_outputs(declared.drv_path)["out"], sh.bb.path])}
    scratch = seen - closure
    assert closure <= seen
    assert len(scratch) == 1 and next(iter(scratch)).endswith("-lister")
    other_out = store.derivation_outputs(other.drv_path)["out"]
    assert other_out.base not in seen


def test_undeclared_input_use_fails(store: LocalStore, sh: Shell) -> None:
    secret = sh("secret", "echo secret > $out")
    path = build(store, secret).outputs[0]["out"]
    drv = sh("sneaky", f"cat {path} > $out")
    with pytest.raises(BuildError, match="exit code 1"):
        build(store, drv)
    assert store.derivation_outputs(drv.drv_path) == {}


def test_missing_bwrap_is_a_clear_error_and_nothing_runs(store: LocalStore, sh: Shell,
                                                          tmp_path: os.PathLike[str]) -> None:
    marker = os.path.join(str(tmp_path), "ran")
    drv = sh("nobwrap", f"touch {marker}; echo x > $out")
    with pytest.raises(SandboxError, match="sandbox could not be set up: bubblewrap"):
        build(store, drv, sandbox=BwrapSandbox("/nonexistent/bwrap"))
    assert not os.path.exists(marker)
    assert os.listdir(store.tmp) == []


def test_sandbox_setup_failure_is_not_a_builder_failure(store: LocalStore, sh: Shell) -> None:
    class Broken(BwrapSandbox):
        def command(self, spec, status_fd, block_fd, iso, limits):  # type: ignore[no-untyped-def]
            launch = super().command(spec, status_fd, block_fd, iso, limits)
            argv = launch.argv
            i = argv.index(spec.builder) - 1  # bwrap's "--"
            argv = [*argv[:i], "--ro-bind", "/nonexistent-sx-test", "/x", *argv[i:]]
            return dataclasses.replace(launch, argv=argv)

    drv = sh("broken", "echo x > $out")
    with pytest.raises(SandboxError, match="sandbox could not be set up: Can't find source"):
        build(store, drv, sandbox=Broken())
    assert store.derivation_outputs(drv.drv_path) == {}


def _has_child(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return bool(f.read().split())
    except OSError:
        return False


def test_a_bwrap_that_never_reports_is_killed_and_named(
        store: LocalStore, sh: Shell, monkeypatch: pytest.MonkeyPatch) -> None:
    """Once the sandbox's pid 1 has ended, bwrap has a grace to report the builder's
    status; one that says nothing (stopped here while the builder runs) is
    killed, and the error says so instead of naming the signal."""
    monkeypatch.setattr(runner, "_REPORT_GRACE", 0.5)
    release = runner._Watch._release

    def release_then_stop(watch: runner._Watch, pid: int, go: int) -> None:
        release(watch, pid, go)
        # Stopped once its pid 1 has started the builder: bwrap has let its
        # child go by then (stopped earlier, the child would wait for it
        # forever), and the builder's sleep outlasts this.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not _has_child(pid):
            time.sleep(0.005)
        os.kill(watch.proc.pid, signal.SIGSTOP)

    monkeypatch.setattr(runner._Watch, "_release", release_then_stop)
    drv = sh("silent", "sleep 1; echo x > $out")
    with pytest.raises(SandboxError) as e:
        build(store, drv)
    assert str(e.value) == ("build: sandbox could not be set up: bwrap did not report the "
                            "builder's status within 0.5 s of the sandbox's end, and was killed")
    assert store.derivation_outputs(drv.drv_path) == {}
    assert os.listdir(store.tmp) == []


def test_builder_that_does_not_exist(store: LocalStore, sh: Shell) -> None:
    from sx.derivations.model import derivation

    drv = derivation("nobuilder", f"{sh.bb}/bin/nonexistent", srcs=[sh.bb])
    with pytest.raises(BuildError, match=r"start builder .*nonexistent"):
        build(store, drv)


def test_private_dev_protects_host_dev_null(store: LocalStore, sh: Shell) -> None:
    before = os.stat("/dev/null")
    drv = sh("devnull", "rm -f /dev/null 2>/dev/null; echo x > /dev/null; echo ok > $out")
    assert read(out(store, drv)) == "ok\n"
    after = os.stat("/dev/null")
    assert (before.st_rdev, before.st_ino) == (after.st_rdev, after.st_ino)


def _probe_mode(store: LocalStore, sh: Shell, **kw: object) -> list[str]:
    dep = sh("filedep", "echo data > $out")
    drv = sh("probe", f"ls -ln {dep.out} > $out; grep -c ' /sx/store/' /proc/self/mountinfo"
                      f" >> $out; (echo x >> {dep.out}) 2>/dev/null || echo denied >> $out",
             inputs=[dep])
    return read(out(store, drv, **kw)).splitlines()


def test_mapped_mode_is_used_where_possible(store: LocalStore, sh: Shell) -> None:
    lines = _probe_mode(store, sh)
    mapped = os.geteuid() == 0
    owner = lines[0].split()[2]
    # Mapped: root's files show as the id host root has in the build's namespace.
    assert owner == (str(ROOT_UID) if mapped else "1000")
    # Mapped: the file input is a hard link, only busybox (a directory) is mounted.
    assert int(lines[1]) == (1 if mapped else 2)
    assert lines[2] == "denied"


def test_plain_mode_as_root_when_asked(store: LocalStore, sh: Shell) -> None:
    lines = _probe_mode(store, sh, sandbox=BwrapSandbox(mapped=False))
    assert lines[0].split()[2] == "1000"  # the store's owner, mapped to the build user
    assert int(lines[1]) == 2 and lines[2] == "denied"


def test_symlink_and_file_inputs_appear_as_themselves(store: LocalStore, sh: Shell,
                                                      tmp_path: os.PathLike[str]) -> None:
    from sx.derivations.model import Source

    link = os.path.join(str(tmp_path), "alink")
    os.symlink("some/target", link)
    src = Source(link, "alink")
    drv = sh("links", f"readlink {src} > $out; test -L {src} && echo is-link >> $out",
             srcs=[src])
    assert read(out(store, drv)).splitlines() == ["some/target", "is-link"]


@pytest.mark.parametrize("mapped", [None, False], ids=["default-mode", "plain-mode"])
def test_a_slow_exit_in_bwrap_set_up_does_not_kill_the_sandbox(
        store: LocalStore, sh: Shell, tmp_path: Path, mapped: bool | None) -> None:
    # bwrap enters the build's pid namespace through processes that fork and
    # exit at once; the sandbox's pid 1 is the child of the last one. Were a
    # parent-death signal set in that pid 1 (bwrap's --die-with-parent), an
    # exit that comes late (a busy machine) would kill it before it passed the
    # builder's status on. strace makes every exit of bwrap's processes late.
    strace = shutil.which("strace")
    assert strace, "strace is installed by scripts/install-system-deps.sh"
    slow = tmp_path / "slow-exits-bwrap"
    slow.write_text(f"#!/bin/sh\nexec {strace} -f -qq -o /dev/null -e trace=exit_group "
                    f"-e inject=exit_group:delay_enter=300000 -- {shutil.which('bwrap')} \"$@\"\n")
    slow.chmod(0o755)
    drv = sh("late-exits", "echo fine > $out")
    sandbox = BwrapSandbox(str(slow), mapped=mapped)
    assert read(out(store, drv, sandbox=sandbox)) == "fine\n"
