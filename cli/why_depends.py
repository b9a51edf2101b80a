"""``sx why-depends A B``: the reference chain from A to B."""

from __future__ import annotations

import argparse
from collections import deque

from sx.cli.common import open_store, parse_paths
from sx.store.errors import InvalidInput
from sx.store.path import StorePath


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``why-depends``."""
    p = sub.add_parser("why-depends", help="show why A's closure contains B")
    p.add_argument("a")
    p.add_argument("b")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the shortest reference chain from A to B."""
    store = open_store(args)
    a, b = parse_paths(store, [args.a, args.b])
    store.require(a)
    store.require(b)
    refs = store.closure_references([a])
    prev: dict[StorePath, StorePath | None] = {a: None}
    todo = deque([a])
    while todo:
        p = todo.popleft()
        if p == b:
            break
        for r in refs[p]:
            if r not in prev:
                prev[r] = p
                todo.append(r)
    if b not in prev:
        raise InvalidInput(f"why-depends {a}: does not depend on {b}")
    chain: list[StorePath] = []
    node: StorePath | None = b
    while node is not None:
        chain.append(node)
        node = prev[node]
    for depth, p in enumerate(reversed(chain)):
        print(("  " * depth + "└── " if depth else "") + str(p))
    return 0
