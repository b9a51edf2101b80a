"""The derivation graph: cycle checks, closures and build order."""

from __future__ import annotations

from collections.abc import Iterable

from sx.derivations.model import Derivation
from sx.store.errors import InvalidInput


class DependencyCycle(InvalidInput):
    """A derivation depends on itself, directly or through other derivations.

    Frozen values cannot form a cycle unless a recipe forced one in (e.g.
    with ``object.__setattr__``); it is found before anything is hashed,
    written or built, and the message prints the cycle.
    """


def check_acyclic(roots: Iterable[Derivation], what: str = "check graph") -> None:
    """Raise :class:`DependencyCycle` naming the cycle if the graph of ``roots`` has one.

    Walks by object identity, not by hash: hashing a cyclic derivation
    would never end.
    """
    done: set[int] = set()
    for root in roots:
        if id(root) in done:
            continue
        path: list[Derivation] = [root]
        onpath: dict[int, int] = {id(root): 0}
        stack: list[int] = [0]
        while stack:
            node = path[-1]
            i = stack[-1]
            if i < len(node.input_drvs):
                stack[-1] = i + 1
                child = node.input_drvs[i][0]
                if id(child) in onpath:
                    loop = [*path[onpath[id(child)]:], child]
                    names = " -> ".join(d.name for d in loop)
                    raise DependencyCycle(f"{what}: dependency cycle: {names}")
                if id(child) not in done:
                    onpath[id(child)] = len(path)
                    path.append(child)
                    stack.append(0)
            else:
                stack.pop()
                path.pop()
                del onpath[id(node)]
                done.add(id(node))


def build_order(roots: list[Derivation]) -> list[Derivation]:
    """Every derivation needed for ``roots``, dependencies before dependents.

    Iterative (graphs of thousands of steps exceed Python's recursion limit)
    and deterministic (visits inputs in record order). A cycle is an error
    (:class:`DependencyCycle`), found before anything is hashed.
    """
    check_acyclic(roots, "order builds")
    order: list[Derivation] = []
    done: set[Derivation] = set()
    for root in roots:
        if root in done:
            continue
        stack: list[tuple[Derivation, int]] = [(root, 0)]
        while stack:
            node, i = stack[-1]
            if i < len(node.input_drvs):
                stack[-1] = (node, i + 1)
                child = node.input_drvs[i][0]
                if child not in done:
                    stack.append((child, 0))
            else:
                stack.pop()
                if node not in done:
                    done.add(node)
                    order.append(node)
    return order
