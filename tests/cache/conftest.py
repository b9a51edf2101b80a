"""Fixtures for the binary cache tests: stores, keys, a closure, caches of every kind."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cache_helpers import TOKEN, Closure, Registry, RunSx, Served, make_closure, sx_cmd
from sx.store.cache import open_cache, substitute
from sx.store.cache.base import Cache
from sx.store.cache.signing import SecretKey, TrustPolicy
from sx.store.local import LocalStore


@pytest.fixture(autouse=True)
def _fresh_substituters() -> Iterator[None]:
    """Each test opens its own caches (opened substituters are remembered per process)."""
    substitute.reset()
    yield
    substitute.reset()


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    """The uploading store."""
    return LocalStore(str(tmp_path / "up"))


@pytest.fixture
def store2(tmp_path: Path) -> LocalStore:
    """An empty store to download into."""
    return LocalStore(str(tmp_path / "down"))


@pytest.fixture(scope="session")
def keys() -> dict[str, SecretKey]:
    """Three signers; alice and bob are the trusted ones in :func:`policy`."""
    return {n: SecretKey.generate(n) for n in ("alice", "bob", "carol")}


@pytest.fixture
def policy(keys: dict[str, SecretKey]) -> TrustPolicy:
    """Two of alice and bob must sign."""
    return TrustPolicy((keys["alice"].public(), keys["bob"].public()), 2)


@pytest.fixture
def closure(store: LocalStore, tmp_path: Path) -> Closure:
    """The three-path closure in ``store``, not signed."""
    return make_closure(store, tmp_path / "src")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """A served cache directory that accepts uploads with the test token."""
    s = Served(tmp_path / "served", TOKEN)
    yield s
    s.stop()


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    """A registry for this test."""
    r = Registry(tmp_path / "registry")
    yield r
    r.stop()


@pytest.fixture
def cache_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A writable, empty cache of the parametrized kind (``file``, ``http`` or ``oci``)."""
    kind = request.param
    if kind == "file":
        yield f"file://{tmp_path / 'cache'}"
    elif kind == "http":
        s = Served(tmp_path / "served", TOKEN)
        yield s.url
        s.stop()
    else:
        r = Registry(tmp_path / "registry")
        yield f"oci://{r.host}/sx/cache"
        r.stop()


@pytest.fixture
def cache(cache_url: str) -> Iterator[Cache]:
    """The backend for ``cache_url`` (holding the upload token for http)."""
    c = open_cache(cache_url, TOKEN)
    yield c
    c.close()


@pytest.fixture
def sx() -> RunSx:
    """Run the CLI; returns the completed process (pass ``--root`` yourself)."""
    def run(*args: str, timeout: float = 120, env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(sx_cmd(*args), capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, **(env or {})}, check=False)
    return run
