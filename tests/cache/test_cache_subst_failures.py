"""Substitution failures are routine: a cache that stalls, answers garbage or dies mid-download
costs one warning line per path, the next cache is tried, and finally the path is built.

Servers run on 127.0.0.1; stalls are bounded by ``stalled-download-timeout``.
"""

from __future__ import annotations

import io
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cache_helpers import TOKEN, Served, sign
from fake_cache import FakeServer
from sx.derivations.build.progress import Progress
from sx.store.cache import open_cache
from sx.store.cache.copy import copy_to
from sx.store.cache.fetch import Meter
from sx.store.cache.layout import CachedPath, info_key
from sx.store.cache.signing import SecretKey, TrustPolicy
from sx.store.cache.substitute import Substituters
from sx.store.local import LocalStore
from test_cache_topdown import _conf
from topdown_helpers import graph, publish, run


@pytest.fixture
def fake(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FakeServer]:
    """A misbehaving server over ``tmp_path/bad`` with the parametrized modes."""
    server = FakeServer(tmp_path / "bad", request.param)
    yield server
    server.stop()


def _realize(store2: LocalStore, roots: list[object], **kw: object) -> tuple[list[str], object]:
    text = io.StringIO()
    out = run(store2, roots, progress=Progress(text, live=False), **kw)  # type: ignore[arg-type]
    return [line for line in text.getvalue().splitlines() if line.startswith("sx:")], out


@pytest.mark.parametrize("fake", [{"nar/": "stall"}, {"nar/": "garbage"}, {"nar/": "cut"}],
                         indirect=True, ids=["stall", "garbage", "cut"])
def test_a_bad_download_falls_back_to_the_next_cache(
        tmp_path: Path, store: LocalStore, store2: LocalStore, keys: dict[str, SecretKey],
        fake: FakeServer) -> None:
    g = graph("f1")
    good = tmp_path / "good"
    pub = publish(store, g, [f"file://{tmp_path / 'bad'}", f"file://{good}"], [keys["alice"]])
    _conf(store2, [fake.url, f"file://{good}"], [keys["alice"]])
    start = time.monotonic()
    warned, out = _realize(store2, [g.app], config={"stalled-download-timeout": 1})
    assert time.monotonic() - start < 30
    runtime = {pub.outputs[g.app], pub.outputs[g.lib]}
    assert out.built == [] and {i.path for i in out.fetched} == runtime  # type: ignore
    # One line per path that failed, naming it, the cache and the next one tried.
    assert len(warned) == 2, warned
    for p in runtime:
        assert sum(str(p) in w and fake.url in w and w.endswith(f"trying file://{good}")
                   for w in warned) == 1, warned
    assert os.listdir(store2.tmp) == []


@pytest.mark.parametrize("fake", [{"realisations/": "silent"}, {"": "garbage"}],
                         indirect=True, ids=["silent", "garbage"])
def test_a_cache_that_answers_nothing_useful_is_skipped(
        tmp_path: Path, store: LocalStore, store2: LocalStore, keys: dict[str, SecretKey],
        fake: FakeServer) -> None:
    g = graph("f2")
    good = tmp_path / "good"
    pub = publish(store, g, [f"file://{tmp_path / 'bad'}", f"file://{good}"], [keys["alice"]])
    _conf(store2, [fake.url, f"file://{good}"], [keys["alice"]])
    warned, out = _realize(store2, [g.app], config={"stalled-download-timeout": 1})
    assert out.built == [] and out.outputs == [{"out": pub.outputs[g.app]}]  # type: ignore
    assert warned and all(fake.url in w for w in warned), warned


@pytest.mark.parametrize("fake", [{"nar/": "garbage"}], indirect=True)
def test_a_path_no_cache_can_deliver_is_built(
        tmp_path: Path, store: LocalStore, store2: LocalStore, keys: dict[str, SecretKey],
        fake: FakeServer) -> None:
    g = graph("f3")
    pub = publish(store, g, [f"file://{tmp_path / 'bad'}"], [keys["alice"]])
    rec = CachedPath.decode((tmp_path / "bad" / info_key(pub.outputs[g.app])).read_bytes(),
                            pub.outputs[g.app], "test")
    fake.modes.clear()
    fake.modes[rec.archive_key] = "garbage"  # only app's archive is bad
    _conf(store2, [fake.url], [keys["alice"]])
    warned, out = _realize(store2, [g.app])
    assert out.built == [g.app]  # type: ignore[attr-defined]
    assert {i.path for i in out.fetched} == {pub.outputs[g.lib]}  # type: ignore[attr-defined]
    assert out.outputs == [{"out": pub.outputs[g.app]}]  # type: ignore[attr-defined]
    assert len(warned) == 1 and warned[0].endswith("giving up"), warned
    assert os.listdir(store2.tmp) == []


def test_sx_serve_killed_mid_download(tmp_path: Path, store: LocalStore, store2: LocalStore,
                                      keys: dict[str, SecretKey],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "big"
    big.mkdir()
    # Larger than any socket buffer, and incompressible: the server must still be sending.
    (big / "blob").write_bytes(os.urandom(48 << 20))
    path = store.add_tree(str(big), "big").path
    sign(store, keys["alice"], [path])
    served = Served(tmp_path / "served", TOKEN)
    good = f"file://{tmp_path / 'good'}"
    try:
        copy_to(store, open_cache(served.url, TOKEN), [path])
        copy_to(store, open_cache(good), [path])
        seen = Meter.add

        def kill_on_first_bytes(self: Meter, n: int) -> None:
            if served.proc.poll() is None:
                os.kill(served.proc.pid, signal.SIGKILL)
                served.proc.wait(10)
            seen(self, n)

        monkeypatch.setattr(Meter, "add", kill_on_first_bytes)
        warned: list[str] = []
        subs = Substituters(TrustPolicy((keys["alice"].public(),), 1, (served.url, good)),
                            warned.append, timeout=5)
        got = subs.fetch_paths(store2, [path], Meter())
    finally:
        served.stop()
    assert got == {path} and store2.is_valid(path)
    assert len(warned) == 1 and served.url in warned[0] and warned[0].endswith(f"trying {good}")
    assert os.listdir(store2.tmp) == []
    assert (Path(store2.real_path(path)) / "blob").read_bytes() == (big / "blob").read_bytes()
