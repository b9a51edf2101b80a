"""Substitution hook: fetch a realisation and its closure from trusted binary caches.

The caches themselves (``sx.store.cache``) are optional for the builder:
when that module or a trust policy is absent, nothing is substituted and
derivations are built. The cache layer is trio-native (its network waits run
in worker threads) and registers nothing it did not verify.
"""

from __future__ import annotations

from typing import Any

from sx.derivations.hashing import fixed_output_path
from sx.derivations.model import Derivation
from sx.store.hashing import Digest
from sx.store.local import LocalStore
from sx.store.path import StorePath


class Substituter:
    """Asks the configured caches for outputs; inert when none are configured."""

    def __init__(self, store: LocalStore) -> None:
        self.store = store
        self._policy: Any = None
        self._api: Any = None
        self._loaded = False

    def load(self) -> None:
        """Read the trust policy now (a bad configuration is an error before any build)."""
        self._load()

    def _load(self) -> bool:
        if not self._loaded:
            self._loaded = True
            try:
                from sx.store.cache import substitute as api
            except ImportError:
                return False
            self._api = api
            self._policy = api.load_policy(self.store)
        return self._api is not None and self._policy is not None

    async def try_realize(self, drv: Derivation, rhash: Digest) -> dict[str, StorePath] | None:
        """The outputs of ``drv`` fetched (verified, registered) from a cache, or None."""
        if not self._load():
            return None
        api, policy = self._api, self._policy
        if drv.is_fixed_output:
            path = fixed_output_path(drv)
            valid = await api.substitute_paths(self.store, [path], policy)
            return {drv.output_names[0]: path} if path in valid else None
        out: dict[str, StorePath] = {}
        for o in drv.output_names:
            got = await api.substitute_realisation(self.store, rhash, o, policy)
            if got is None:
                return None
            out[o] = got
        return out
