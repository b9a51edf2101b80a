"""Forged chains of realisations: nothing substitutes a path for a derivation that did not build it.

Each attack is made against a file cache holding a signed four-level graph
(topdown_helpers.py); the client must end with the honest output, having
said why it refused the forged record.
"""

from __future__ import annotations

import io
from pathlib import Path

from cache_helpers import sign
from sx.derivations.build.plan import make_plan
from sx.derivations.build.progress import Progress
from sx.store.cache import open_cache
from sx.store.cache.copy import copy_to
from sx.store.cache.layout import CachedPath, decode_realisation, encode_realisation, info_key
from sx.store.cache.signing import SecretKey
from sx.store.info import Realisation
from sx.store.local import LocalStore
from test_cache_topdown import _conf
from topdown_helpers import Graph, Published, graph, publish, run


def _records(store: LocalStore, g: Graph) -> tuple[dict[str, str], dict[str, str]]:
    """Per derivation name, the cache keys of its derivation and its resolved realisation."""
    plan = make_plan(store, g.all)
    by_m = {d.name: f"realisations/{plan.modulo[d].hex}.out" for d in g.all}
    by_r = {d.name: f"realisations/{plan.resolved[d].hex}.out" for d in g.all}
    return by_m, by_r


def _read(cache: Path, key: str) -> Realisation:
    h, out = key.removeprefix("realisations/").split(".")
    from sx.store.hashing import Digest

    return decode_realisation((cache / key).read_bytes(), Digest("b3", bytes.fromhex(h)), out,
                              "test")


def _put(cache: Path, key: str, data: bytes) -> None:
    (cache / key).write_bytes(data)


def _realize(store2: LocalStore, g: Graph) -> tuple[str, object]:
    text = io.StringIO()
    out = run(store2, [g.app], progress=Progress(text, live=False))
    return text.getvalue(), out


def _setup(tmp_path: Path, store: LocalStore, tag: str, signers: list[SecretKey]
           ) -> tuple[Graph, Published, Path]:
    g = graph(tag)
    cache = tmp_path / "cache"
    return g, publish(store, g, [f"file://{cache}"], signers), cache


def test_another_derivations_realisation_is_refused(
        tmp_path: Path, store: LocalStore, store2: LocalStore,
        keys: dict[str, SecretKey]) -> None:
    g, pub, cache = _setup(tmp_path, store, "t1", [keys["alice"]])
    other = graph("t1-other")  # another derivation called app, in the same cache
    publish(store, other, [f"file://{cache}"], [keys["alice"]])
    by_m, by_r = _records(store, g)
    other_m, other_r = _records(store, other)
    # Filed as it is under app's key: the record says whose it is.
    _put(cache, by_m["app"], (cache / other_m["app"]).read_bytes())
    # Rewritten to claim app's identity, keeping the other app's valid signature.
    theirs = _read(cache, other_r["app"])
    forged = Realisation(_read(cache, by_r["app"]).drv_hash, "out", theirs.path,
                         theirs.signatures)
    _put(cache, by_r["app"], encode_realisation(forged))
    _conf(store2, [f"file://{cache}"], [keys["alice"]])
    said, out = _realize(store2, g)
    assert f"it describes '{_read(cache, other_m['app']).key}'" in said
    assert "0 of 1 required trusted signatures (valid: none) (invalid signature by 'alice')" \
        in said
    assert out.outputs == [{"out": pub.outputs[g.app]}]  # type: ignore[attr-defined]
    assert out.built == [g.app]  # type: ignore[attr-defined]


def test_a_trusted_key_cannot_name_another_derivations_output(
        tmp_path: Path, store: LocalStore, store2: LocalStore,
        keys: dict[str, SecretKey]) -> None:
    # alice is trusted (k = 1) and signs a claim that app built to lib's output.
    g, pub, cache = _setup(tmp_path, store, "t2", [keys["alice"]])
    by_m, by_r = _records(store, g)
    honest = _read(cache, by_m["app"])
    lie = Realisation(honest.drv_hash, "out", pub.outputs[g.lib], (), honest.deps)
    lie = lie.with_signatures((keys["alice"].sign(lie.fingerprint()),))
    _put(cache, by_m["app"], encode_realisation(lie))
    rlie = Realisation(_read(cache, by_r["app"]).drv_hash, "out", pub.outputs[g.lib])
    _put(cache, by_r["app"], encode_realisation(
        rlie.with_signatures((keys["alice"].sign(rlie.fingerprint()),))))
    _conf(store2, [f"file://{cache}"], [keys["alice"]])
    said, out = _realize(store2, g)
    assert f"it names {pub.outputs[g.lib]}, which is not an output called 'app'" in said
    assert out.outputs == [{"out": pub.outputs[g.app]}]  # type: ignore[attr-defined]


def test_a_swapped_dependency_is_refused(tmp_path: Path, store: LocalStore, store2: LocalStore,
                                         keys: dict[str, SecretKey]) -> None:
    g, pub, cache = _setup(tmp_path, store, "t3", [keys["alice"]])
    by_m, by_r = _records(store, g)
    honest = _read(cache, by_m["app"])
    ((dep, _),) = honest.deps or ()
    swapped = Realisation(honest.drv_hash, "out", honest.path, honest.signatures,
                          ((dep, pub.outputs[g.tool]),))
    _put(cache, by_m["app"], encode_realisation(swapped))
    (cache / by_r["app"]).unlink()  # no honest way around it
    _conf(store2, [f"file://{cache}"], [keys["alice"]])
    said, out = _realize(store2, g)
    assert "0 of 1 required trusted signatures (valid: none) (invalid signature by 'alice')" in said
    assert out.built == [g.app] and out.fetched and all(  # type: ignore[attr-defined]
        i.path != honest.path for i in out.fetched)  # type: ignore[attr-defined]
    assert out.outputs == [{"out": pub.outputs[g.app]}]  # type: ignore[attr-defined]


def test_a_dependency_other_than_this_stores_is_refused(
        tmp_path: Path, store: LocalStore, store2: LocalStore,
        keys: dict[str, SecretKey]) -> None:
    # Validly signed, but resolved against another lib than the one this store
    # built: a result of other inputs is another build.
    g, pub, cache = _setup(tmp_path, store, "t4", [keys["alice"]])
    by_m, _ = _records(store, g)
    run(store2, [g.lib])  # no caches yet: built here
    honest = _read(cache, by_m["app"])
    ((dep, _),) = honest.deps or ()
    other = Realisation(honest.drv_hash, "out", honest.path, (), ((dep, pub.outputs[g.tool]),))
    other = other.with_signatures((keys["alice"].sign(other.fingerprint()),))
    _put(cache, by_m["app"], encode_realisation(other))
    _conf(store2, [f"file://{cache}"], [keys["alice"]])
    said, out = _realize(store2, g)
    assert f"it was built with {pub.outputs[g.tool]}, this store has {pub.outputs[g.lib]}" in said
    # The resolved realisation (this store's lib) is the honest one: fetched.
    assert out.built == [] and out.outputs == [{"out": pub.outputs[g.app]}]  # type: ignore


def test_k_minus_one_signers_on_one_link_of_the_chain(
        tmp_path: Path, store: LocalStore, store2: LocalStore,
        keys: dict[str, SecretKey]) -> None:
    g, pub, cache = _setup(tmp_path, store, "t5", [keys["alice"], keys["bob"]])
    # lib's path record carries alice's signature only: 1 of 2.
    key = info_key(pub.outputs[g.lib])
    rec = CachedPath.decode((cache / key).read_bytes(), pub.outputs[g.lib], "test")
    weak = [s for s in rec.info.signatures if s.startswith("alice:")]
    _put(cache, key, CachedPath(rec.info.__class__(
        rec.info.path, rec.info.nar_hash, rec.info.nar_size, rec.info.references,
        rec.info.deriver, 0, tuple(weak), rec.info.ca), rec.file_hash, rec.file_size).encode())
    _conf(store2, [f"file://{cache}"], [keys["alice"], keys["bob"]], 2)
    said, out = _realize(store2, g)
    assert f"trust {pub.outputs[g.lib]} in file://{cache}: 1 of 2 required" in said
    # lib cannot be fetched, so it is built (from the fetched tool); app then is.
    assert out.built == [g.lib]  # type: ignore[attr-defined]
    assert {i.path for i in out.fetched} == {pub.outputs[g.tool], pub.outputs[g.app]}  # type: ignore
    assert out.outputs == [{"out": pub.outputs[g.app]}]  # type: ignore[attr-defined]


def test_k_minus_one_on_the_requested_realisation(
        tmp_path: Path, store: LocalStore, store2: LocalStore,
        keys: dict[str, SecretKey]) -> None:
    g, pub, cache = _setup(tmp_path, store, "t6", [keys["alice"]])
    # bob signs every path and realisation except app's two realisations.
    sign(store, keys["bob"], [p for d, p in pub.outputs.items() if d is not g.app])
    b = store.require(pub.outputs[g.app])
    store.add_signatures(b.path, [keys["bob"].sign(b.fingerprint())])
    copy_to(store, open_cache(f"file://{cache}"), list(pub.outputs.values()))
    _conf(store2, [f"file://{cache}"], [keys["alice"], keys["bob"]], 2)
    said, out = _realize(store2, g)
    assert "1 of 2 required trusted signatures (valid: alice)" in said
    # Nothing vouches for app's result: it is built, from the fetched lib.
    assert out.built == [g.app]  # type: ignore[attr-defined]
    assert {i.path for i in out.fetched} == {pub.outputs[g.lib]}  # type: ignore[attr-defined]
