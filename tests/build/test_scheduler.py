"""The scheduler: parallelism, cancellation, early cutoff, keep-going, limits, check."""

from __future__ import annotations

import os
import time

import pytest
from build_helpers import Shell, build, leftovers, read
from sx.derivations.build.errors import (
    BuilderFailed,
    BuildError,
    BuildTimeout,
    CheckMismatch,
    LogLimitExceeded,
    NotSubstitutable,
)
from sx.derivations.build.logs import read_log
from sx.store.local import LocalStore

pytestmark = pytest.mark.sandbox

# Each build notes when it started and ended on the system-wide uptime clock.
TIMED = ("read a b < /proc/uptime; echo $a > $out; sleep 1;"
         " read a b < /proc/uptime; echo $a >> $out")


def _interval(store: LocalStore, path: object) -> tuple[float, float]:
    start, end = read(store.real_path(path)).split()  # type: ignore[arg-type]
    return float(start), float(end)


@pytest.mark.slow
def test_two_jobs_really_run_at_once(store: LocalStore, sh: Shell) -> None:
    a, b = sh("timed-a", TIMED), sh("timed-b", TIMED)
    o = build(store, a, b, jobs=2)
    (s1, e1), (s2, e2) = (_interval(store, x["out"]) for x in o.outputs)
    assert s1 < e2 and s2 < e1, "the two builds did not overlap"


@pytest.mark.slow
def test_one_job_runs_builds_one_after_the_other(store: LocalStore, sh: Shell) -> None:
    a, b = sh("serial-a", TIMED), sh("serial-b", TIMED)
    o = build(store, a, b, jobs=1)
    (s1, e1), (s2, e2) = (_interval(store, x["out"]) for x in o.outputs)
    assert e1 <= s2 or e2 <= s1


def test_failing_dependency_cancels_the_rest_and_leaves_nothing(
        store: LocalStore, sh: Shell) -> None:
    slow = sh("slow", "sleep 60; echo late > $out")
    bad = sh("bad", "sleep 0.3; echo oops; exit 7")
    top = sh("top", "echo top > $out", inputs=[slow, bad])
    t0 = time.monotonic()
    with pytest.raises(BuildError, match=r"bad\.drv: builder failed with exit code 7"):
        build(store, top, jobs=2)
    assert time.monotonic() - t0 < 30
    for d in (slow, bad, top):
        assert store.derivation_outputs(d.drv_path) == {}
    assert leftovers(store) == []
    assert [p for p in store.all_paths() if not p.is_derivation] == [sh.bb.path]
    assert b"oops" in (read_log(store.logs, bad.drv_path) or b"")


def test_keep_going_builds_what_does_not_depend_on_the_failure(
        store: LocalStore, sh: Shell) -> None:
    bad = sh("bad", "exit 3")
    after_bad = sh("after-bad", "echo x > $out", inputs=[bad])
    good = sh("good", "sleep 0.3; echo fine > $out")
    with pytest.raises(BuilderFailed, match="1 dependents not attempted") as e:
        build(store, after_bad, good, jobs=2, keep_going=True)
    assert e.value.exit_code == 3  # the summary keeps the failure's class and fields
    assert "out" in store.derivation_outputs(good.drv_path)
    assert store.derivation_outputs(after_bad.drv_path) == {}


def test_early_cutoff_rebuilds_nothing_downstream(store: LocalStore, sh: Shell) -> None:
    v1 = sh("base", "echo same > $out")
    v2 = sh("base", "printf 'same\\n' > $out")
    assert v1.drv_path != v2.drv_path

    def chain(base: object) -> object:
        mid = sh("mid", f"cat {base.out} > $out; echo mid >> $out",  # type: ignore[attr-defined]
                 inputs=[base])  # type: ignore[list-item]
        return sh("top", f"cat {mid.out} > $out; echo top >> $out", inputs=[mid])

    top1, top2 = chain(v1), chain(v2)
    first = build(store, top1)
    second = build(store, top2)
    assert second.outputs == first.outputs
    assert [d.name for d in second.built] == ["base"]
    assert sorted(d.name for d in second.cached) == ["mid", "top"]
    assert build(store, top2).built == []


def test_realized_derivation_is_not_rebuilt_and_inputs_not_needed(
        store: LocalStore, sh: Shell) -> None:
    dep = sh("dep", "echo dep > $out")
    top = sh("top", f"cat {dep.out} > $out", inputs=[dep])
    build(store, top)
    dep_out = store.derivation_outputs(dep.drv_path)["out"]
    top_out = store.derivation_outputs(top.drv_path)["out"]
    assert store.require(top_out).references == ()
    store.unregister([dep_out])
    again = build(store, top)
    assert again.built == [] and again.outputs[0]["out"] == top_out


def test_dry_run_writes_and_builds_nothing(store: LocalStore, sh: Shell) -> None:
    dep = sh("dep", "echo dep > $out")
    top = sh("top", f"cat {dep.out} > $out", inputs=[dep])
    o = build(store, top, dry_run=True)
    assert o.plan is not None and [d.name for d in o.plan.needed] == ["dep", "top"]
    assert store.all_paths() == []
    build(store, dep)
    o = build(store, top, dry_run=True)
    assert o.plan is not None and [d.name for d in o.plan.needed] == ["top"]


def test_timeout_kills_the_build(store: LocalStore, sh: Shell) -> None:
    drv = sh("sleeper", "echo started; sleep 60; echo x > $out")
    t0 = time.monotonic()
    with pytest.raises(BuildTimeout, match=r"timed out after 0\.5 s"):
        build(store, drv, timeout=0.5)
    assert time.monotonic() - t0 < 20
    assert leftovers(store) == []
    log = read_log(store.logs, drv.drv_path) or b""
    assert b"started" in log and b"timed out" in log


def test_log_limit_kills_the_build(store: LocalStore, sh: Shell) -> None:
    drv = sh("chatty", "yes chatter | head -c 1000000; sleep 60; echo x > $out")
    t0 = time.monotonic()
    with pytest.raises(LogLimitExceeded, match="log exceeded 10000 bytes"):
        build(store, drv, max_log_size=10000)
    assert time.monotonic() - t0 < 20
    assert leftovers(store) == []
    log = read_log(store.logs, drv.drv_path) or b""
    assert log.startswith(b"chatter\n") and b"log limit of 10000 bytes exceeded" in log
    assert len(log) < 11000


def test_logs_are_compressed_per_derivation(store: LocalStore, sh: Shell) -> None:
    drv = sh("talker", "echo to stdout; echo to stderr >&2; echo x > $out")
    build(store, drv)
    path = os.path.join(store.logs, f"{drv.drv_path.base}.log.zst")
    with open(path, "rb") as f:
        assert f.read(4) == b"\x28\xb5\x2f\xfd"
    assert read_log(store.logs, drv.drv_path) == b"to stdout\nto stderr\n"


def test_check_of_a_deterministic_build_passes(store: LocalStore, sh: Shell) -> None:
    drv = sh("det", "mkdir $out; echo stable > $out/f")
    first = build(store, drv).outputs
    again = build(store, drv, check=True)
    assert [d.name for d in again.built] == ["det"]
    assert again.outputs == first


def test_check_of_a_nondeterministic_build_names_the_difference(
        store: LocalStore, sh: Shell) -> None:
    drv = sh("nondet", "mkdir -p $out/a $out/z; echo same > $out/a/same;"
                       " cat /proc/sys/kernel/random/uuid > $out/z/random")
    first = build(store, drv).outputs[0]["out"]
    with pytest.raises(CheckMismatch, match="first differing file: z/random") as e:
        build(store, drv, check=True)
    msg = str(e.value)
    assert str(first) in msg
    second = [p for p in store.all_paths() if p.name == "nondet" and p != first]
    assert len(second) == 1 and str(second[0]) in msg
    assert store.derivation_outputs(drv.drv_path)["out"] == first


def test_no_build_refuses_to_build(store: LocalStore, sh: Shell) -> None:
    drv = sh("nb", "echo x > $out")
    with pytest.raises(NotSubstitutable, match="--no-build"):
        build(store, drv, no_build=True)
    build(store, drv)
    assert build(store, drv, no_build=True).built == []


@pytest.mark.stress
def test_wide_graph_with_limited_jobs(store: LocalStore, sh: Shell) -> None:
    leaves = [sh(f"leaf{i}", f"echo {i} > $out") for i in range(40)]
    top = sh("fanin", "cat " + " ".join(d.out for d in leaves) + " > $out", inputs=leaves)
    o = build(store, top, jobs=3)
    assert read(store.real_path(o.outputs[0]["out"])).split() == [str(i) for i in range(40)]
    assert len(o.built) == 41 and leftovers(store) == []
