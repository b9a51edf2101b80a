"""Top-down substitution with builtin graphs: fetch the runtime closure, nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest
from cache_helpers import Closure
from sx.store.cache.signing import SecretKey
from sx.store.local import LocalStore
from topdown_helpers import archive_bytes, drop, graph, publish, run


def _conf(store: LocalStore, urls: list[str], keys: list[SecretKey], k: int = 1) -> None:
    etc = Path(store.root) / "etc"
    etc.mkdir(parents=True, exist_ok=True)
    pubs = ", ".join(f'"{key.public()}"' for key in keys)
    subs = ", ".join(f'"{u}"' for u in urls)
    (etc / "sx.conf").write_text(f"substituters = [{subs}]\ntrusted-public-keys = [{pubs}]\n"
                                 f"required-signatures = {k}\n")


def test_fresh_store_fetches_the_runtime_closure_only(
        tmp_path: Path, store: LocalStore, store2: LocalStore,
        keys: dict[str, SecretKey]) -> None:
    g = graph("a")
    cache = tmp_path / "cache"
    pub = publish(store, g, [f"file://{cache}"], [keys["alice"]])
    _conf(store2, [f"file://{cache}"], [keys["alice"]])
    out = run(store2, [g.app])
    runtime = {pub.outputs[g.app], pub.outputs[g.lib]}
    assert out.built == [] and out.outputs == [{"out": pub.outputs[g.app]}]
    assert {i.path for i in out.fetched} == runtime
    assert out.downloaded == archive_bytes(str(cache), store, sorted(runtime))
    assert store2.valid_subset(pub.outputs.values()) == runtime


def test_a_build_only_input_missing_from_the_cache_changes_nothing(
        tmp_path: Path, store: LocalStore, store2: LocalStore,
        keys: dict[str, SecretKey]) -> None:
    g = graph("b")
    cache = tmp_path / "cache"
    pub = publish(store, g, [f"file://{cache}"], [keys["alice"]])
    drop(str(cache), store, g, g.tool)
    drop(str(cache), store, g, g.seed)
    _conf(store2, [f"file://{cache}"], [keys["alice"]])
    out = run(store2, [g.app])
    assert out.built == []
    assert {i.path for i in out.fetched} == {pub.outputs[g.app], pub.outputs[g.lib]}


def test_a_runtime_input_missing_is_built_and_the_rest_substituted(
        tmp_path: Path, store: LocalStore, store2: LocalStore,
        keys: dict[str, SecretKey]) -> None:
    g = graph("c")
    cache = tmp_path / "cache"
    pub = publish(store, g, [f"file://{cache}"], [keys["alice"]])
    drop(str(cache), store, g, g.lib)
    _conf(store2, [f"file://{cache}"], [keys["alice"]])
    plan = run(store2, [g.app], dry_run=True).plan
    assert plan is not None
    assert plan.needed == [g.lib, g.app] and plan.after_builds() == [g.app]
    assert [f.path for f in plan.fetch] == [pub.outputs[g.tool]]
    out = run(store2, [g.app])
    # lib is built from the fetched tool (seed is never needed); once it is
    # built, app's resolved realisation is found: early cutoff.
    assert out.built == [g.lib] and out.substituted == [g.tool, g.app]
    assert {i.path for i in out.fetched} == {pub.outputs[g.tool], pub.outputs[g.app]}
    assert out.outputs == [{"out": pub.outputs[g.app]}]
    assert not store2.is_valid(pub.outputs[g.seed])


def test_caches_with_resolved_realisations_only_still_work_top_down(
        tmp_path: Path, store: LocalStore, store2: LocalStore,
        keys: dict[str, SecretKey]) -> None:
    # As written before derivation realisations existed: the chain is resolved
    # through the cache's records, bottom-up, without downloading anything else.
    g = graph("d")
    cache = tmp_path / "cache"
    pub = publish(store, g, [f"file://{cache}"], [keys["alice"]])
    for r in store.all_realisations():
        if r.is_derivation:
            (cache / "realisations" / f"{r.drv_hash.hex}.{r.output}").unlink()
    _conf(store2, [f"file://{cache}"], [keys["alice"]])
    out = run(store2, [g.app])
    assert out.built == []
    assert {i.path for i in out.fetched} == {pub.outputs[g.app], pub.outputs[g.lib]}


def test_the_plan_is_what_the_run_does(tmp_path: Path, store: LocalStore, store2: LocalStore,
                                       keys: dict[str, SecretKey]) -> None:
    g = graph("e")
    cache = tmp_path / "cache"
    publish(store, g, [f"file://{cache}"], [keys["alice"]])
    drop(str(cache), store, g, g.seed)
    _conf(store2, [f"file://{cache}"], [keys["alice"]])
    # An input realized locally, so the plan mixes what is there with what is not.
    other = graph("e-other")
    run(store2, [other.tool])
    plan = run(store2, [g.app, other.lib], dry_run=True).plan
    assert plan is not None
    out = run(store2, [g.app, other.lib])
    assert [f.path for f in plan.fetch] == [i.path for i in out.fetched]
    assert plan.download_size == out.downloaded
    assert plan.unpacked_size == sum(i.nar_size for i in out.fetched)
    assert {f.cache for f in plan.fetch} == {f"file://{cache}"}
    assert plan.needed == out.built == [other.lib]
    assert plan.substitute == out.substituted == [g.app]
    assert store2.all_realisations()  # the fetched realisations are recorded


def test_progress_without_a_terminal_is_one_line_per_path(
        tmp_path: Path, store: LocalStore, store2: LocalStore,
        keys: dict[str, SecretKey]) -> None:
    import io

    from sx.derivations.build.progress import Progress

    g = graph("f")
    cache = tmp_path / "cache"
    pub = publish(store, g, [f"file://{cache}"], [keys["alice"]])
    _conf(store2, [f"file://{cache}"], [keys["alice"]])
    quiet = io.StringIO()
    store3 = LocalStore(str(tmp_path / "quiet"))
    _conf(store3, [f"file://{cache}"], [keys["alice"]])
    done = run(store3, [g.app], progress=Progress(quiet, live=False, quiet=True))
    assert len(done.fetched) == 2 and quiet.getvalue() == ""
    text = io.StringIO()
    run(store2, [g.app], progress=Progress(text, live=False))
    lines = text.getvalue().splitlines()
    assert sorted(lines) == sorted(
        f"fetched {p} ({s} from file://{cache})" for p, s in
        [(pub.outputs[g.app], _size(cache, store, pub.outputs[g.app])),
         (pub.outputs[g.lib], _size(cache, store, pub.outputs[g.lib]))])


def _size(cache: Path, store: LocalStore, path: object) -> str:
    from sx.derivations.build.progress import size_text
    from sx.store.path import StorePath

    assert isinstance(path, StorePath)
    return size_text(archive_bytes(str(cache), store, [path]))


def test_live_progress_shows_paths_bytes_and_rate() -> None:
    import io

    from sx.derivations.build.progress import Progress

    out = io.StringIO()
    now = [100.0]
    p = Progress(out, live=True, clock=lambda: now[0])
    p.fetch_begin(2, 4 << 20)
    p.fetch_advance(1 << 20)
    now[0] += 0.5
    p.fetched("/sx/store/x", 1 << 20, "file:///c")
    now[0] += 0.5
    p.fetch_advance(3 << 20)
    assert "  fetched 1/2 paths, 3.0 MiB/4.0 MiB, 2.0 MiB/s" in p.render()  # 2 MiB in 1 s
    p.fetch_end(4 << 20)
    p.close()
    shown = out.getvalue()
    assert "  fetched 1/2 paths, 1.0 MiB/4.0 MiB, 0 B/s" in shown  # drawn as the path arrived
    assert "4.0 MiB fetched" in shown  # the summary line counts the download
    assert shown.endswith("\r\x1b[J")  # the live view is gone at the end


@pytest.mark.parametrize("k", [1, 2])
def test_nothing_is_fetched_without_a_trusted_runtime_closure(
        tmp_path: Path, store: LocalStore, store2: LocalStore, keys: dict[str, SecretKey],
        closure: Closure, k: int) -> None:
    g = graph(f"g{k}")
    cache = tmp_path / "cache"
    publish(store, g, [f"file://{cache}"], [keys["alice"]])
    _conf(store2, [f"file://{cache}"], [keys["alice"], keys["bob"]], k)
    out = run(store2, [g.app])
    if k == 1:
        assert out.built == []
    else:  # only alice signed: k-1 everywhere, everything is built
        assert out.built == g.all and out.fetched == []
