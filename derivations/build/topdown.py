"""Top-down substitution: what to fetch and what to build, decided from cache records alone.

Starting from the local plan (what this store already has), for the roots
and then, only where needed, their inputs:

1. **Derivation realisations, top-down.** A derivation's hash modulo needs
   nothing realized, so the roots are looked up first. A trusted answer
   gives the output paths, and the inputs below it are not looked at;
   otherwise its inputs are asked about in the next round.
2. **Resolved realisations, bottom-up.** A derivation still unknown whose
   inputs' paths are all known by now (from this store, fixed outputs, or
   step 1) is resolved and its resolved hash looked up: the only way to use
   caches that hold resolved realisations alone.
3. **Actions, top-down.** A derivation already realized is done; one with
   known output paths is *substituted* (its outputs' closures are fetched,
   its inputs are not needed); any other is *built*, and its inputs are
   needed in turn.
4. **Path records.** The records of the closures to fetch must all be
   there and trusted. A substituted derivation whose closure is not
   becomes built, and the decision is made again (records are remembered).

The plan then lists the paths to fetch (their sizes and caches), the
derivations they provide, and what is left to build. The real run and
``--dry-run`` use this same function.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from sx.derivations.build.plan import Fetch, Plan, Realized, disagreement, misnamed
from sx.derivations.hashing import resolved_hash
from sx.derivations.model import Derivation
from sx.store.cache.substitute import Located, Substituters, closure_without, first_error
from sx.store.info import Realisation
from sx.store.local import LocalStore
from sx.store.path import StorePath


class Decision:
    """The state of deciding; kept across rounds (and runs of :func:`decide`).

    ``nosub``: derivations whose known outputs cannot be fetched (they are
    built); ``located``: the trusted records found so far, by path.
    """

    __slots__ = ("located", "nosub")

    def __init__(self) -> None:
        self.nosub: set[Derivation] = set()
        self.located: dict[StorePath, Located] = {}


class _Round:
    """One pass of steps 1-3 over the graph."""

    def __init__(self, plan: Plan, roots: Sequence[Derivation], subs: Substituters,
                 decision: Decision, force: set[Derivation]) -> None:
        self.plan = plan
        self.roots = roots
        self.subs = subs
        self.decision = decision
        self.force = force
        self.paths: Realized = dict(plan.recorded)
        self.via: dict[tuple[StorePath, str], Realisation] = {}

    def done(self, drv: Derivation) -> bool:
        return drv not in self.force and all(
            (drv.drv_path, o) in self.plan.known for o in drv.output_names)

    def known(self, drv: Derivation) -> bool:
        return all((drv.drv_path, o) in self.paths for o in drv.output_names)

    def usable(self, drv: Derivation) -> bool:
        return self.known(drv) and drv not in self.decision.nosub and drv not in self.force

    def _disagreement(self, by_key: dict[str, Derivation], r: Realisation) -> str | None:
        return disagreement(r, by_key[r.key], self.plan.modulo, self.plan.recorded)

    @staticmethod
    def _misnamed(by_key: dict[str, Derivation], r: Realisation) -> str | None:
        return misnamed(r, by_key[r.key])

    def _take(self, drv: Derivation, found: dict[str, Realisation], keys: list[str]) -> None:
        if all(k in found for k in keys):
            for o, k in zip(drv.output_names, keys, strict=True):
                self.paths[(drv.drv_path, o)] = found[k].path
                self.via[(drv.drv_path, o)] = found[k]

    def derivation_realisations(self) -> set[Derivation]:
        """Step 1; returns every derivation demanded (looked at) on the way down."""
        modulo = self.plan.modulo
        frontier = [r for r in dict.fromkeys(self.roots) if not self.done(r)]
        seen: set[Derivation] = set()
        while frontier:
            ask = [d for d in frontier if not d.is_fixed_output and not self.known(d)
                   and d not in self.force]
            if ask:
                by_key = {f"{modulo[d]}!{o}": d for d in ask for o in d.output_names}
                found = self.subs.realisations(
                    [(modulo[d], o) for d in ask for o in d.output_names], True,
                    partial(self._disagreement, by_key))
                for d in ask:
                    self._take(d, found, [f"{modulo[d]}!{o}" for o in d.output_names])
            seen.update(frontier)
            nxt: dict[Derivation, None] = {}
            for d in frontier:
                if self.usable(d):
                    continue
                for i, _ in d.input_drvs:
                    if i not in seen and not self.done(i):
                        nxt[i] = None
            frontier = list(nxt)
        return seen

    def resolved_realisations(self, demanded: set[Derivation]) -> None:
        """Step 2: resolve what step 1 left unknown, bottom-up, wave by wave.

        A wave asks about every candidate whose inputs' paths are known; the
        next wave's candidates are the dependents of what it found.
        """
        users: dict[Derivation, list[Derivation]] = {}
        for d in demanded:
            for i, _ in d.input_drvs:
                users.setdefault(i, []).append(d)
        rank = {d: n for n, d in enumerate(self.plan.order)}
        tried: set[Derivation] = set()
        candidates: set[Derivation] = set(demanded)
        while candidates:
            ask = {d: resolved_hash(d, self.paths) for d in sorted(candidates, key=rank.__getitem__)
                   if self._resolvable(d, tried)}
            tried.update(ask)
            by_key = {f"{h}!{o}": d for d, h in ask.items() for o in d.output_names}
            found = self.subs.realisations(
                [(h, o) for d, h in ask.items() for o in d.output_names], False,
                partial(self._misnamed, by_key)) if ask else {}
            candidates = set()
            for d, h in ask.items():
                self._take(d, found, [f"{h}!{o}" for o in d.output_names])
                if self.known(d):
                    candidates.update(users.get(d, ()))

    def _resolvable(self, d: Derivation, tried: set[Derivation]) -> bool:
        """Whether step 2 should ask about ``d`` now: unknown, and its inputs' paths known."""
        return (d not in tried and not d.is_fixed_output and not self.known(d)
                and d not in self.force
                and all((i.drv_path, o) in self.paths for i, outs in d.input_drvs for o in outs))

    def actions(self) -> tuple[list[Derivation], set[Derivation]]:
        """Step 3: (substituted, built), top-down from the roots."""
        subst: dict[Derivation, None] = {}
        build: set[Derivation] = set()
        stack = list(self.roots)
        while stack:
            d = stack.pop()
            if d in subst or d in build or self.done(d):
                continue
            if self.usable(d):
                subst[d] = None
                continue
            build.add(d)
            stack.extend(i for i, _ in d.input_drvs)
        order = {d: n for n, d in enumerate(self.plan.order)}
        return sorted(subst, key=order.__getitem__), build

    def outputs(self, drvs: Sequence[Derivation]) -> set[StorePath]:
        return {self.paths[(d.drv_path, o)] for d in drvs for o in d.output_names}


def _realisations(rnd: _Round, subst: Sequence[Derivation]) -> list[tuple[Realisation, StorePath]]:
    """The cache realisations to record once the substituted outputs are valid.

    Only what a cache signed: the resolved hash a derivation realisation
    implies is not recorded (the plan finds the derivation realisation itself).
    """
    return [(r, d.drv_path) for d in subst for o in d.output_names
            if (r := rnd.via.get((d.drv_path, o))) is not None]


def decide(store: LocalStore, plan: Plan, roots: Sequence[Derivation],
           subs: Substituters, decision: Decision | None = None,
           force: Sequence[Derivation] = ()) -> Decision:
    """Fill in ``plan.fetch``, ``plan.substitute``, ``plan.realisations`` and ``plan.needed``.

    Derivations in ``force`` are built whatever the caches hold (``--check``).
    Only records are read; nothing is downloaded or written.
    """
    decision = decision or Decision()
    forced = set(force)
    while True:
        rnd = _Round(plan, roots, subs, decision, forced)
        demanded = rnd.derivation_realisations()
        rnd.resolved_realisations(demanded)
        subst, build = rnd.actions()
        wanted = rnd.outputs(subst)
        found, errors = subs.locate(store, wanted)
        bad = [d for d in subst
               if any(first_error(rnd.paths[(d.drv_path, o)], found, errors) is not None
                      for o in d.output_names)]
        if bad:
            decision.nosub.update(bad)
            continue
        usable = closure_without(wanted, found, errors)
        decision.located = usable
        plan.fetch = [Fetch(p, usable[p].cache.url, usable[p].rec.file_size,
                            usable[p].rec.info.nar_size) for p in _references_first(usable)]
        plan.substitute = list(subst)
        plan.realisations = _realisations(rnd, subst)
        plan.needed = [d for d in plan.order if d in build]
        plan.asked_caches = True
        plan.promised = {(d.drv_path, o): rnd.paths[(d.drv_path, o)]
                         for d in subst for o in d.output_names}
        return decision


def _references_first(recs: dict[StorePath, Located]) -> list[StorePath]:
    """The paths of ``recs``, each after the ones it refers to (ties by path)."""
    order: list[StorePath] = []
    state: dict[StorePath, bool] = {}
    for root in sorted(recs):
        stack = [(root, iter(sorted(recs[root].rec.info.references)))]
        if root in state:
            continue
        state[root] = False
        while stack:
            node, it = stack[-1]
            nxt = next((r for r in it if r in recs and r not in state), None)
            if nxt is not None:
                state[nxt] = False
                stack.append((nxt, iter(sorted(recs[nxt].rec.info.references))))
                continue
            stack.pop()
            state[node] = True
            order.append(node)
    return order
