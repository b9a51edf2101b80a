"""``sx why-depends A B``: the reference chain from A to B."""

from __future__ import annotations

from collections import deque

from sx.cli.commands import add_command
from sx.cli.common import add_json, open_store, print_json
from sx.cli.installables import INSTALLABLE_HELP, resolve
from sx.store.errors import InvalidInput
from sx.store.local import LocalStore
from sx.store.path import StorePath

TYPE_CHECKING = False  # argparse only for the checker: it costs every start (cli/quick.py)
if TYPE_CHECKING:
    import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``why-depends``."""
    p = add_command(sub, "why-depends")
    p.add_argument("a", metavar="A", help=INSTALLABLE_HELP)
    p.add_argument("b", metavar="B", help="the path (or installable) A's closure may contain")
    p.add_argument("--no-build", action="store_true",
                   help="substitute missing outputs but never build them")
    add_json(p)
    p.set_defaults(func=run)


def chain(store: LocalStore, a: StorePath, b: StorePath) -> list[StorePath] | None:
    """The shortest reference chain from ``a`` to ``b`` (both ends included), or None."""
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
        return None
    out: list[StorePath] = []
    node: StorePath | None = b
    while node is not None:
        out.append(node)
        node = prev[node]
    return out[::-1]


def _ends(store: LocalStore, texts: list[str], no_build: bool) -> list[StorePath]:
    """A and B as one path each (both parsed before anything is built)."""
    out = []
    for item, outs in resolve(store, texts, no_build=no_build):
        if len(outs) != 1:
            raise InvalidInput(f"why-depends {item.text}: stands for {len(outs)} paths; select "
                               "one output with ^NAME")
        out.append(outs[0][1])
    return out


def run(args: argparse.Namespace) -> int:
    """Print the shortest reference chain from A to B."""
    store = open_store(args)
    a, b = _ends(store, [args.a, args.b], args.no_build)
    found = chain(store, a, b)
    if args.json:
        print_json({"from": str(a), "to": str(b), "dependsOn": found is not None,
                    "chain": [str(p) for p in found or []]})
        return 0 if found else 1
    if found is None:
        raise InvalidInput(f"why-depends {a}: does not depend on {b}")
    for depth, p in enumerate(found):
        print(("  " * depth + "└── " if depth else "") + str(p))
    return 0
