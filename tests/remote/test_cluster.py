"""Realizing on a real REAPI cluster: BuildGrid on PostgreSQL with two ``sx worker``s.

Each test compares what matters to a user: the store paths a remote
realize gives against a local one, the engine's action cache answering a
fresh client, the faults (a worker killed mid-action, an engine that is not
there, a blob that lies), and that nothing is left running or registered.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from cluster import Cluster, free_port
from sx.derivations.build.errors import BuildError
from sx.derivations.build.progress import Progress
from sx.derivations.build.remote.cas import Blob, Cas
from sx.derivations.build.remote.digests import SHA256, BlobDigest, digest_bytes
from sx.derivations.build.remote.errors import RemoteError
from sx.derivations.build.scheduler import BuildOptions, Outcome, realize
from sx.derivations.examples import busybox_tree
from sx.derivations.model import Derivation, Source, derivation
from sx.store.fsutil import remove_tree
from sx.store.local import LocalStore
from sx_runner import Sx, sx_env

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]
BUSYBOX = shutil.which("busybox") or "/bin/busybox"


@pytest.fixture(scope="module")
def bb(tmp_path_factory: pytest.TempPathFactory) -> Source:
    """A static busybox as a source tree."""
    return busybox_tree(str(tmp_path_factory.mktemp("busybox")), BUSYBOX)


@pytest.fixture
def roots() -> Iterator[Path]:
    """A world-searchable directory for client store roots (mapped sandboxes need that)."""
    base = Path(tempfile.mkdtemp(prefix="sx-remote-client-"))
    os.chmod(base, 0o755)
    yield base
    remove_tree(str(base))


def sh(bb: Source, name: str, script: str, inputs: list[Derivation] | None = None,
       outputs: tuple[str, ...] = ("out",)) -> Derivation:
    return derivation(name, f"{bb}/bin/sh", ["-c", script], inputs=inputs or [], srcs=[bb],
                      outputs=outputs)


def diamond(bb: Source, tag: str) -> Derivation:
    """top -> (left, right) -> bottom: directories, symlinks, executables, self-references,
    references between outputs and to inputs."""
    top = sh(bb, f"top-{tag}", "mkdir -p $out/sub; echo top > $out/sub/file; "
             "ln -s sub/file $out/link; printf '#!x\\n' > $out/run; chmod +x $out/run")
    left = sh(bb, f"left-{tag}", f"echo {top.out} > $out", [top])  # type: ignore[attr-defined]
    right = sh(bb, f"right-{tag}", "mkdir -p $out/a/b; echo $out > $out/a/b/self; "
               f"ln -s {top.out}/link $out/to-top", [top])  # type: ignore[attr-defined]
    return sh(bb, f"bottom-{tag}",
              f"cat {left.out} > $out; ls {right.out}/a >> $out; "  # type: ignore[attr-defined]
              "mkdir $dev; echo $out > $dev/points-at-out", [left, right], ("out", "dev"))


def run(store: LocalStore, drvs: list[Derivation], **kw: object) -> Outcome:
    kw.setdefault("progress", Progress(quiet=True, live=False))
    return realize(store, drvs, BuildOptions(**kw))  # type: ignore[arg-type]


def all_outputs(store: LocalStore, drv: Derivation) -> dict[str, str]:
    """Every derivation of ``drv``'s graph -> its realized outputs, as text."""
    from sx.derivations.graph import build_order

    out = {}
    for d in build_order([drv]):
        for o, p in store.derivation_outputs(d.drv_path).items():
            out[f"{d.name}!{o}"] = str(p)
    return out


def test_diamond_remote_equals_local_and_fresh_client_hits_the_action_cache(
        cluster: Cluster, bb: Source, roots: Path) -> None:
    drv = diamond(bb, "cmp")
    local = LocalStore(str(roots / "local"))
    remote = LocalStore(str(roots / "remote"))
    want = run(local, [drv]).outputs
    before = {n: w.leases_done() for n, w in cluster.workers.items()}
    got = run(remote, [drv], remote=cluster.url)
    assert got.outputs == want
    assert all_outputs(remote, drv) == all_outputs(local, drv)
    assert len(got.built) == 4
    ran = sum(w.leases_done() - before[n] for n, w in cluster.workers.items())
    assert ran == 4, "each of the four sandboxed builds ran once on a worker"
    # The bytes came back intact: the store's own verification passes.
    assert remote.verify(check_contents=True) == []
    # A second client, fresh root: every action is answered by the action cache.
    fresh = LocalStore(str(roots / "fresh"))
    again = run(fresh, [drv], remote=cluster.url)
    assert again.outputs == want
    assert sum(w.leases_done() for w in cluster.workers.values()) == sum(before.values()) + 4


def steps(bb: Source, tag: str, n: int) -> list[Derivation]:
    """A chain: each step's output (a file) is the next step's input."""
    out: list[Derivation] = []
    for i in range(n):
        prev = out[-1:]
        out.append(sh(bb, f"step-{tag}-{i}", f"echo {tag} {i} > $out" + (
            f"; cat {prev[0].out} >> $out" if prev else ""), prev))  # type: ignore[attr-defined]
    return out


def test_a_chain_sends_nothing_back_and_asks_nothing_for_small_inputs(
        cluster: Cluster, bb: Source, roots: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before Execute: the action cache lookup and the upload of the few blobs the engine
    may lack travel together (no FindMissingBlobs); an output that came from the engine
    is never sent back as the next step's input."""
    asked: list[int] = []
    sent: list[set[BlobDigest]] = []
    find, upload = Cas.find_missing, Cas.upload

    def find_missing(cas: Cas, digests: Iterable[BlobDigest]) -> set[BlobDigest]:
        ds = list(digests)
        asked.append(len(ds))
        return find(cas, ds)

    def send(cas: Cas, blobs: Iterable[Blob]) -> None:
        bs = list(blobs)
        sent.append({b.digest for b in bs})
        upload(cas, bs)

    monkeypatch.setattr(Cas, "find_missing", find_missing)
    monkeypatch.setattr(Cas, "upload", send)
    chain = steps(bb, os.urandom(4).hex(), 4)
    store = LocalStore(str(roots / "c"))
    run(store, [chain[-1]], remote=cluster.url)
    assert len(asked) <= 1, "only the first action (busybox: over 1 MiB) asks what is missing"
    outputs = {digest_bytes(SHA256, Path(store.real_path(store.derivation_outputs(
        d.drv_path)["out"])).read_bytes()) for d in chain}
    assert len(sent) >= 3 and all(not (s & outputs) for s in sent), \
        "an output the engine returned is not uploaded again"
    # Each worker keeps what it built in its input cache (a next step there fetches
    # nothing): every step's output is a read-only blob on some worker.
    kept = [Path(w.root, "var", "remote-cache", "blobs", f"{d.hash}-{d.size}")
            for d in outputs for w in cluster.workers.values()]
    for d in outputs:
        held = [p for p in kept if p.name == f"{d.hash}-{d.size}" and p.exists()]
        assert held and all(p.stat().st_mode & 0o777 == 0o444 for p in held), d


def test_both_workers_take_work(cluster: Cluster, bb: Source, roots: Path) -> None:
    """Independent slow builds spread over the root worker and the unprivileged one."""
    drvs = [sh(bb, f"spread-{i}", f"sleep 1; echo {i} > $out") for i in range(4)]
    before = {n: w.leases_done() for n, w in cluster.workers.items()}
    store = LocalStore(str(roots / "c"))
    t0 = time.monotonic()
    run(store, drvs, remote=cluster.url)
    took = time.monotonic() - t0
    after = {n: w.leases_done() - before[n] for n, w in cluster.workers.items()}
    assert all(n >= 1 for n in after.values()), after
    assert took < 4 + 3, "two workers, not one at a time"


def test_stage0_remote_equals_local(cluster: Cluster, roots: Path) -> None:
    local, remote = Sx(str(roots / "l")), Sx(str(roots / "r"))
    want = local.ok("realize", "-q", "stage0")
    r = remote("realize", "--remote", cluster.url, "stage0", timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout == want
    assert "building remotely on w-" in r.stderr
    for name in ("stage0-hex1", "stage0-hex2", "stage0-catm", "stage0-M0"):
        assert remote.ok("realize", "-q", name) == local.ok("realize", "-q", name)


def test_failing_builder_reports_exit_code_and_keeps_the_log(
        cluster: Cluster, bb: Source, roots: Path) -> None:
    bad = sh(bb, "bad-remote", "echo about to fail; exit 7")
    store = LocalStore(str(roots / "c"))
    with pytest.raises(BuildError, match="exit code 7") as e:
        run(store, [bad], remote=cluster.url)
    assert "remotely, on w-" in str(e.value)
    from sx.derivations.build.logs import read_log

    assert b"about to fail" in (read_log(store.logs, bad.drv_path) or b"")


def test_worker_killed_mid_action_other_worker_finishes(
        cluster: Cluster, bb: Source, roots: Path) -> None:
    drv = sh(bb, "survivor", "sleep 6; echo done > $out")
    store = LocalStore(str(roots / "c"))
    local = LocalStore(str(roots / "l"))
    seen: list[str] = []

    class Watch(Progress):
        def started(self, key: str, what: str, name: str, log: str | None = None,
                    output: str | None = None) -> None:
            super().started(key, what, name, log, output)
            if " on " in what:
                seen.append(what.rsplit(" on ", 1)[1])
                killed = seen[0]
                if len(seen) == 1:
                    cluster.stop_worker(killed, signal.SIGKILL)

    t0 = time.monotonic()
    got = run(store, [drv], remote=cluster.url, progress=Watch(quiet=True, live=False))
    assert len(seen) >= 2 and seen[-1] != seen[0], f"re-queued to the other worker: {seen}"
    assert time.monotonic() - t0 < 60
    assert got.outputs == run(local, [drv]).outputs


def test_unreachable_engine_is_one_line_or_falls_back(roots: Path) -> None:
    url = f"grpc://127.0.0.1:{free_port()}"
    sx = Sx(str(roots / "c"))
    r = sx("realize", "--remote", url, "stage0-hex1")
    assert r.returncode == 4
    lines = r.stderr.strip().splitlines()
    assert lines[-1].startswith(f"sx: remote {url}: get capabilities: engine unreachable")
    assert "Traceback" not in r.stderr
    store = LocalStore(str(roots / "c"))
    assert [p for p in store.all_paths() if p.name == "hex1"] == [], "nothing was built"
    store.temp_roots.close()
    ok = sx("realize", "--remote", url, "--remote-fallback", "stage0-hex1")
    assert ok.returncode == 0, ok.stderr
    assert "building locally (--remote-fallback)" in ok.stderr
    assert ok.stdout == Sx(str(roots / "l")).ok("realize", "-q", "stage0-hex1")


def test_bad_url_is_refused_before_anything_runs(roots: Path) -> None:
    sx = Sx(str(roots / "c"))
    for bad in ("http://127.0.0.1:1", "grpc://127.0.0.1", "grpc://h:1/a/../b"):
        r = sx("realize", "--remote", bad, "stage0-hex1")
        assert r.returncode == 1, (bad, r.stderr)
        assert r.stderr.startswith(f"sx: parse remote {bad!r}:"), r.stderr


def test_output_that_does_not_match_its_digest_is_refused(
        cluster: Cluster, bb: Source, roots: Path) -> None:
    drv = sh(bb, "tampered", "echo building tampered; echo the real bytes > $out")
    first = LocalStore(str(roots / "a"))
    (path,) = run(first, [drv], remote=cluster.url).outputs[0].values()
    data = Path(first.real_path(path)).read_bytes()
    import hashlib

    blob = cluster.cas_dir / "cas" / "objects"
    h = hashlib.sha256(data).hexdigest()
    victim = blob / h[:2] / h[2:]
    assert victim.exists()
    victim.write_bytes(b"the fake bytes!\n"[:len(data)].ljust(len(data), b"!"))
    store = LocalStore(str(roots / "b"))
    with pytest.raises(RemoteError, match="the engine sent"):
        run(store, [drv], remote=cluster.url)
    assert store.query(path) is None
    assert not os.path.lexists(store.real_path(path))
    assert os.listdir(store.tmp) == []
    from sx.derivations.build.logs import read_log
    assert b"building tampered" in (read_log(store.logs, drv.drv_path) or b""), \
        "the log is kept though the outputs were refused"


def test_ctrl_c_cancels_the_remote_operation(cluster: Cluster, roots: Path, bb: Source) -> None:
    # A token of this run in the builder's command line: other test runs on the machine
    # may sleep in their own sandboxes meanwhile.
    token = os.urandom(6).hex()
    recipe = roots / "slow.py"
    recipe.write_text(
        "from sx.derivations.model import derivation, Source\n"
        f"bb = Source({str(bb.local)!r}, 'busybox')\n"
        f"slow = derivation('slow-cancel', f'{{bb}}/bin/sh', ['-c', 'sleep 30; echo {token} "
        "> $out'], srcs=[bb])\n")
    root = str(roots / "c")
    proc = subprocess.Popen(Sx(root).argv("realize", "--remote", cluster.url, f"{recipe}:slow"),
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            env=sx_env(root), text=True)
    assert proc.stderr is not None
    deadline = time.monotonic() + 60
    line = ""
    while "building remotely on" not in line and time.monotonic() < deadline:
        line = proc.stderr.readline()
    assert "building remotely on" in line, "the engine assigned the action to a worker"
    w = cluster.workers[line.split(" on ", 1)[1].split()[0]]

    def running() -> bool:
        # This action's line: the worker's log holds earlier tests' leases too, and a
        # Ctrl-C before the worker has the lease cancels it before it ever runs.
        return any(": running " in ln and ln.endswith("-slow-cancel")
                   for ln in w.text().splitlines())

    deadline = time.monotonic() + 60
    while not running() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert running()
    proc.send_signal(signal.SIGINT)
    assert proc.wait(30) == 130
    deadline = time.monotonic() + 20
    while "withdrawn" not in w.text() and time.monotonic() < deadline:
        time.sleep(0.2)
    bgd = (cluster.base / "bgd.log").read_text(errors="replace")
    assert "withdrawn by the engine" in w.text(), (w.text()[-2000:], proc.stderr.read()[-2000:],
                                                   bgd[-3000:])
    # The sandbox on the worker is gone: no sleeping builder survives.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        ps = subprocess.run(["pgrep", "-af", f"sleep 30; echo {token}"], capture_output=True,
                            text=True)
        if not ps.stdout.strip():
            break
        time.sleep(0.2)
    assert ps.stdout.strip() == "", (ps.stdout, w.text())


def test_print_build_logs_shows_the_remote_log(cluster: Cluster, roots: Path, bb: Source) -> None:
    recipe = roots / "talk.py"
    recipe.write_text(
        "from sx.derivations.model import derivation, Source\n"
        f"bb = Source({str(bb.local)!r}, 'busybox')\n"
        "talk = derivation('talker', f'{bb}/bin/sh', ['-c', 'echo first line; echo second >&2;"
        " printf unterminated; echo x > $out'], srcs=[bb])\n")
    root = str(roots / "c")
    r = Sx(root)("realize", "--remote", cluster.url, "-L", f"{recipe}:talk")
    assert r.returncode == 0, r.stderr
    lines = r.stderr.splitlines()
    assert "talker> first line" in lines and "talker> second" in lines
    assert "talker> unterminated" in lines, "a last line without newline is shown too"
    assert any("logs are not streamed live" in ln for ln in lines)
    quiet = Sx(str(roots / "d"))("realize", "--remote", cluster.url, f"{recipe}:talk")
    assert quiet.returncode == 0 and "talker>" not in quiet.stderr
    assert quiet.stdout == r.stdout
