"""The hash modulo: a derivation's identity before anything is realized, and its realisations."""

from __future__ import annotations

from pathlib import Path

import pytest
from sx.derivations.build.plan import disagreement, make_plan, misnamed
from sx.derivations.graph import build_order
from sx.derivations.hashing import (
    fixed_output_path,
    modulo_hashes,
    realisation_deps,
    resolved_from_deps,
    resolved_hash,
)
from sx.derivations.model import BUILTIN_WRITE, Derivation, derivation, fetchurl
from sx.store.hashing import Digest
from sx.store.info import Realisation
from sx.store.local import LocalStore
from sx.store.path import StorePath

SRC_HASH = Digest.b3(b"the source")


def _graph(url: str, text: str = "x") -> tuple[Derivation, Derivation, Derivation]:
    src = fetchurl("src.tar", url, [SRC_HASH])
    lib = derivation("lib", BUILTIN_WRITE, env={"text": f"lib {text}"}, inputs=[src],
                     system="builtin")
    app = derivation("app", BUILTIN_WRITE, env={"text": f"app {lib.out}"}, inputs=[lib, src],
                     system="builtin")
    return src, lib, app


def test_the_hash_modulo_ignores_where_a_fixed_output_comes_from() -> None:
    a = _graph("https://one.example/src.tar")
    b = _graph("https://two.example/src.tar")
    ma, mb = modulo_hashes(build_order([a[2]])), modulo_hashes(build_order([b[2]]))
    assert a[2].drv_path != b[2].drv_path  # other .drv files...
    assert ma[a[1]] == mb[b[1]] and ma[a[2]] == mb[b[2]]  # ...the same identity
    c = _graph("https://one.example/src.tar", "y")
    mc = modulo_hashes(build_order([c[2]]))
    assert mc[c[1]] != ma[a[1]] and mc[c[2]] != ma[a[2]]  # a change upstream shows


def test_modulo_and_resolved_hashes_never_coincide() -> None:
    # Every input of lib is a fixed output: its resolved and modulo records are
    # the same record; the domain separates them.
    src, lib, _ = _graph("https://one.example/src.tar")
    realized = {(src.drv_path, "out"): fixed_output_path(src)}
    assert modulo_hashes([src, lib])[lib] != resolved_hash(lib, realized)


def test_deps_give_back_the_resolved_hash() -> None:
    src, lib, app = _graph("https://one.example/src.tar")
    modulo = modulo_hashes(build_order([app]))
    lib_out = StorePath.parse("/sx/store/" + "1" * 32 + "-lib")
    realized = {(src.drv_path, "out"): fixed_output_path(src), (lib.drv_path, "out"): lib_out}
    deps = realisation_deps(app, modulo, realized)
    assert deps == ((f"{modulo[lib]}!out", lib_out),)  # fixed outputs are not listed
    assert resolved_from_deps(app, modulo, deps) == resolved_hash(app, realized)
    assert resolved_from_deps(app, modulo, ()) is None
    assert resolved_from_deps(app, modulo, (*deps, (f"{modulo[app]}!out", lib_out))) is None


def test_a_derivation_realisation_must_fit_its_derivation(tmp_path: Path) -> None:
    src, lib, app = _graph("https://one.example/src.tar")
    modulo = modulo_hashes(build_order([app]))
    app_out = StorePath.parse("/sx/store/" + "2" * 32 + "-app")
    lib_out = StorePath.parse("/sx/store/" + "1" * 32 + "-lib")
    other = StorePath.parse("/sx/store/" + "3" * 32 + "-lib")
    good = Realisation(modulo[app], "out", app_out, deps=((f"{modulo[lib]}!out", lib_out),))
    assert disagreement(good, app, modulo, {}) is None
    assert disagreement(good, app, modulo, {(lib.drv_path, "out"): other}) == (
        f"it was built with {lib_out}, this store has {other}")
    wrong_name = Realisation(modulo[app], "out", lib_out, deps=good.deps)
    assert misnamed(wrong_name, app) is not None
    assert "is not an output called 'app'" in (disagreement(wrong_name, app, modulo, {}) or "")
    extra = Realisation(modulo[app], "out", app_out,
                        deps=(*(good.deps or ()), (f"{modulo[src]}!out", lib_out)))
    assert "lists other inputs" in (disagreement(extra, app, modulo, {}) or "")
    assert "lists other inputs" in (disagreement(
        Realisation(modulo[app], "out", app_out), app, modulo, {}) or "")


def test_the_fingerprint_covers_the_inputs() -> None:
    h = Digest.b3(b"m")
    p = StorePath.parse("/sx/store/" + "2" * 32 + "-app")
    d1 = Realisation(h, "out", p, deps=((f"{h}!out", p),))
    d2 = Realisation(h, "out", p, deps=((f"{h}!lib", p),))
    plain = Realisation(h, "out", p)
    assert len({d1.fingerprint(), d2.fingerprint(), plain.fingerprint()}) == 3
    assert d1.fingerprint().startswith(b"sx-drv-realisation-1;")
    assert Realisation(h, "out", p, deps=()).fingerprint() != plain.fingerprint()


def test_the_store_keeps_the_first_derivation_realisation(tmp_path: Path) -> None:
    store = LocalStore(str(tmp_path / "s"))
    a = store.add_bytes(b"a", "app").path
    b = store.add_bytes(b"b", "lib").path
    h = Digest.b3(b"m")
    first = Realisation(h, "out", a, ("k:c2ln",), ((f"{h}!x", b),))
    store.register_realisation(first)
    store.register_realisation(Realisation(h, "out", a, ("k:b3Ro",), ((f"{h}!x", a),)))
    assert store.query_realisation(h, "out") == first  # other inputs: not merged
    store.register_realisation(Realisation(h, "out", a, ("k:b3Ro",), ((f"{h}!x", b),)))
    got = store.query_realisation(h, "out")
    assert got is not None and got.signatures == ("k:b3Ro", "k:c2ln") and got.deps == first.deps


@pytest.mark.sandbox
def test_a_build_records_both_kinds_and_the_plan_finds_either(tmp_path: Path) -> None:
    from sx.derivations.build.progress import Progress
    from sx.derivations.build.scheduler import BuildOptions, realize

    store = LocalStore(str(tmp_path / "s"))
    lib = derivation("lib", BUILTIN_WRITE, env={"text": "lib"}, system="builtin")
    app = derivation("app", BUILTIN_WRITE, env={"text": f"app {lib.out}"}, inputs=[lib],
                     system="builtin")
    out = realize(store, [app], BuildOptions(progress=Progress(quiet=True, live=False)))
    plan = make_plan(store, [app])
    kinds = {(r.key, r.is_derivation) for r in store.all_realisations()}
    assert kinds == {(f"{plan.resolved[d]}!out", False) for d in (lib, app)} | {
        (f"{plan.modulo[d]}!out", True) for d in (lib, app)}
    # Without the resolved realisations the plan still knows app from its
    # derivation realisation (lib's path is unknown, so app is not resolvable).
    with store.db.write() as txn:
        for d in (lib, app):
            txn.delete("realisations", f"{plan.resolved[d]}!out".encode())
    again = make_plan(store, [app])
    assert again.outputs_of(app) == out.outputs[0] and again.needed == []
