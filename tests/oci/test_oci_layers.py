"""Layer planning: popularity ranking, the cap, nothing dropped, deterministic."""

from __future__ import annotations

import random

import pytest
from sx.store.errors import InvalidInput
from sx.store.hashing import Digest
from sx.store.info import PathInfo
from sx.store.oci.layers import LayerPlan, Link, _image_tree, plan_layers, popularity, rank
from sx.store.path import StorePath, make_path


def _p(name: str) -> StorePath:
    return make_path("source", Digest.b3(name.encode()), name)


def _graph(edges: dict[str, list[str]]) -> dict[StorePath, PathInfo]:
    paths = {n: _p(n) for n in edges}
    return {paths[n]: PathInfo(paths[n], Digest.b3(n.encode()), 8,
                               tuple(paths[r] for r in refs)) for n, refs in edges.items()}


# libc <- {zlib, ssl}; ssl <- zlib; app <- {ssl, zlib}; tool <- libc; root <- {app, tool}
GRAPH = {"libc": [], "zlib": ["libc"], "ssl": ["libc", "zlib"], "app": ["ssl", "zlib"],
         "tool": ["libc", "tool"], "root": ["app", "tool"]}


def test_popularity_counts_paths_whose_closure_holds_each_path() -> None:
    pop = {p.name: n for p, n in popularity(_graph(GRAPH)).items()}
    assert pop == {"libc": 6, "zlib": 4, "ssl": 3, "app": 2, "tool": 2, "root": 1}


def test_rank_breaks_ties_by_base_name() -> None:
    names = [p.name for p in rank(_graph(GRAPH))]
    assert names[:3] == ["libc", "zlib", "ssl"] and names[-1] == "root"
    app, tool = _p("app"), _p("tool")
    assert names[3:5] == [p.name for p in sorted([app, tool], key=lambda p: p.base)]


def test_one_layer_per_path_when_it_fits() -> None:
    plan = plan_layers(_graph(GRAPH), 100)
    assert [layer.paths for layer in plan] == [(p,) for p in rank(_graph(GRAPH))]


def test_cap_merges_the_least_popular_and_drops_nothing() -> None:
    infos = _graph(GRAPH)
    plan = plan_layers(infos, 3)
    assert len(plan) == 3
    assert [layer.paths[0].name for layer in plan[:2]] == ["libc", "zlib"]
    assert {p.name for p in plan[2].paths} == {"ssl", "app", "tool", "root"}
    assert sorted(p for layer in plan for p in layer.paths) == sorted(infos)


def test_single_layer_holds_everything_and_the_links() -> None:
    infos = _graph(GRAPH)
    link = Link("/bin", _p("tool"), "bin")
    plan = plan_layers(infos, 1, (link,))
    assert plan == [LayerPlan(tuple(sorted(infos)), (link,))]


def test_links_take_the_last_slot() -> None:
    infos = _graph(GRAPH)
    link = Link("/bin", _p("tool"))
    plan = plan_layers(infos, 6, (link,))
    assert len(plan) == 6 and plan[-1].links == (link,)
    assert sum(len(layer.paths) for layer in plan) == len(infos)
    plan = plan_layers(infos, 7, (link,))
    assert len(plan) == 7 and plan[-1] == LayerPlan((), (link,))


def test_plan_does_not_depend_on_input_order() -> None:
    infos = _graph(GRAPH)
    items = list(infos.items())
    random.Random(1).shuffle(items)
    assert plan_layers(dict(items), 3) == plan_layers(infos, 3)


@pytest.mark.parametrize("cap", [0, -1])
def test_cap_below_one_is_refused(cap: int) -> None:
    with pytest.raises(InvalidInput, match="--max-layers must be at least 1"):
        plan_layers(_graph(GRAPH), cap)


def test_links_clashing_or_nested_are_refused() -> None:
    t = _p("tool")
    with pytest.raises(InvalidInput, match="clashes"):
        _image_tree(LayerPlan((), (Link("/bin", t), Link("/bin", _p("app")))))
    with pytest.raises(InvalidInput, match="a parent is another link"):
        _image_tree(LayerPlan((), (Link("/bin", t), Link("/bin/sh", t))))
