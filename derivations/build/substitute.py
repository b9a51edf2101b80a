"""The builder's side of binary caches: decide top-down, fetch, and look up after builds.

Before anything is built, :meth:`Substituter.prepare` decides from records
alone what to fetch and what to build (``topdown.py``), downloads exactly
that (with progress), records the realisations, and decides again if a
download failed for good (then what depended on it is built instead). While
building, :meth:`Substituter.try_realize` asks the caches about a derivation
whose inputs were just built (its resolved hash is only known then). Inert
when no substituters are configured.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial

from sx.derivations.build.plan import Plan, misnamed
from sx.derivations.build.progress import Progress
from sx.derivations.build.topdown import Decision, decide
from sx.derivations.hashing import fixed_output_path
from sx.derivations.model import Derivation
from sx.store.cache.fetch import Meter
from sx.store.cache.substitute import Downloaded, Located, Substituters, load_substituters
from sx.store.hashing import Digest
from sx.store.info import PathInfo, Realisation
from sx.store.local import LocalStore
from sx.store.path import StorePath

# Each failed round marks at least one path unavailable; this only bounds a
# pathological cache.
_MAX_ROUNDS = 64


class Substituter:
    """Asks the configured caches for outputs; inert when none are configured."""

    def __init__(self, store: LocalStore, progress: Progress | None = None,
                 overrides: Mapping[str, object] | None = None) -> None:
        self.store = store
        self.progress = progress or Progress(quiet=True)
        self.overrides = overrides
        self.subs: Substituters | None = None
        self._loaded = False
        self.decision = Decision()
        self.meter = Meter()

    def load(self) -> bool:
        """Read the configuration now (a bad one is an error before any build)."""
        if not self._loaded:
            self._loaded = True
            self.subs = load_substituters(self.store, self.overrides, self.progress.message)
        return self.subs is not None

    def prepare(self, plan: Plan, roots: Sequence[Derivation],
                force: Sequence[Derivation] = (), dry_run: bool = False) -> None:
        """Decide what to fetch and build (``plan`` is updated); unless ``dry_run``, fetch it."""
        if not plan.needed or not self.load():
            return
        assert self.subs is not None
        for _ in range(_MAX_ROUNDS):
            decide(self.store, plan, roots, self.subs, self.decision, force)
            if dry_run:
                return
            got = self._fetch(plan) if plan.fetch else Downloaded()
            self._record(plan, got.recorded)
            if not got.failed:
                return

    def _fetch(self, plan: Plan) -> Downloaded:
        """Download ``plan.fetch``, recording ``plan.realisations`` of what arrives."""
        assert self.subs is not None
        located = {f.path: self.decision.located[f.path] for f in plan.fetch}
        self.progress.fetch_begin(len(plan.fetch), plan.download_size)
        try:
            return self.subs.download(self.store, located, self.meter, self._arrived,
                                      self._tick if self.progress.live else None,
                                      plan.realisations)
        finally:
            self.progress.fetch_end(self.meter.received)

    def _record(self, plan: Plan, recorded: Sequence[tuple[Realisation, StorePath | None]]
                ) -> None:
        """The substituted outputs that are valid now: realisations recorded (those the
        download did not record with its paths), known to ``plan``."""
        valid = self.store.valid_subset(plan.promised.values())
        done = {(r.key, d) for r, d in recorded}
        items = [(r, d) for r, d in plan.realisations
                 if r.path in valid and (r.key, d) not in done]
        if items:
            self.store.register_realisations(items)
        plan.known.update({k: p for k, p in plan.promised.items() if p in valid})

    @property
    def fetched(self) -> list[PathInfo]:
        """Every path this run downloaded and registered."""
        return self.subs.registered if self.subs is not None else []

    def _arrived(self, loc: Located) -> None:
        self.progress.fetched(str(loc.path), loc.rec.file_size, loc.cache.url)

    def _tick(self) -> None:
        self.progress.fetch_advance(self.meter.received)
        self.progress.redraw()

    def try_realize(self, drv: Derivation, rhash: Digest) -> dict[str, StorePath] | None:
        """The outputs of ``drv`` fetched (verified, registered) from a cache, or None.

        For a derivation whose inputs were built in this run: its resolved hash
        is looked up (the answers of the planning are remembered, so nothing
        is asked twice).
        """
        if not self.load():
            return None
        assert self.subs is not None
        if drv.is_fixed_output:
            path = fixed_output_path(drv)
            valid = self.subs.fetch_paths(self.store, [path], self.meter, self._arrived)
            return {drv.output_names[0]: path} if path in valid else None
        out: dict[str, StorePath] = {}
        for o in drv.output_names:
            got = self.subs.fetch_realisation(self.store, rhash, o, self.meter,
                                                    self._arrived, drv.drv_path,
                                                    partial(misnamed, drv=drv))
            if got is None:
                return None
            out[o] = got
        return out
