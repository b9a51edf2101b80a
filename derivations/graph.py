"""The derivation graph: closures and build order."""

from __future__ import annotations

from sx.derivations.model import Derivation


def build_order(roots: list[Derivation]) -> list[Derivation]:
    """Every derivation needed for ``roots``, dependencies before dependents.

    Iterative (graphs of thousands of steps exceed Python's recursion limit)
    and deterministic (visits inputs in record order).
    """
    order: list[Derivation] = []
    done: set[Derivation] = set()
    onstack: set[Derivation] = set()
    for root in roots:
        if root in done:
            continue
        stack: list[tuple[Derivation, int]] = [(root, 0)]
        onstack.add(root)
        while stack:
            node, i = stack[-1]
            if i < len(node.input_drvs):
                stack[-1] = (node, i + 1)
                child = node.input_drvs[i][0]
                if child not in done and child not in onstack:
                    onstack.add(child)
                    stack.append((child, 0))
            else:
                stack.pop()
                onstack.discard(node)
                done.add(node)
                order.append(node)
    return order
