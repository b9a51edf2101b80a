"""Fixtures every test folder may use: a fresh store and the sx command line.

Each test gets its own physical store root under pytest's ``tmp_path``; no
test ever touches the default root. Folders that need more add their own
``conftest.py`` (a fixture defined there overrides one of the same name
here). Type hints for the ``sx`` fixture: ``from sx_runner import Sx``.
"""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from sx.derivations.examples import busybox_tree
from sx.derivations.model import Source
from sx.store import db as store_db
from sx.store.local import LocalStore
from sx_runner import Sx

BUSYBOX = shutil.which("busybox") or "/bin/busybox"


@pytest.fixture
def root(tmp_path: Path) -> str:
    """A fresh physical store root (not created yet)."""
    return str(tmp_path / "root")


@pytest.fixture
def store(root: str) -> Iterator[LocalStore]:
    """A store at ``root``, opened in this process."""
    s = LocalStore(root)
    yield s
    s.temp_roots.close()


@pytest.fixture
def sx(root: str) -> Sx:
    """The sx command line on ``root``: ``sx("store", "add", p)``, ``sx.raw(..)``, ``sx.ok(..)``."""
    return Sx(root)


@pytest.fixture(scope="session")
def busybox(tmp_path_factory: pytest.TempPathFactory) -> Source:
    """A static busybox as a source tree ``bin/{busybox,sh}`` (sandboxed builders use it)."""
    return busybox_tree(str(tmp_path_factory.mktemp("busybox")), BUSYBOX)


_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def _reset() -> None:
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if signal.getsignal(signal.SIGTERM) == signal.SIG_IGN:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)


@pytest.fixture(autouse=True)
def _signals_as_a_user_has_them() -> Iterator[None]:
    """Each test starts with SIGINT and SIGTERM delivered and handled as in a terminal.

    A test run started in the background by a non-interactive shell (as CI
    may start it) inherits SIGINT ignored, and so would every sx it starts:
    the Ctrl-C tests would wait for an sx that, rightly, keeps ignoring it.
    A test that leaves them ignored or blocked fails.
    """
    _reset()
    yield
    blocked = _STOP_SIGNALS & signal.pthread_sigmask(signal.SIG_BLOCK, [])
    ignored = signal.SIG_IGN in (signal.getsignal(signal.SIGINT),
                                 signal.getsignal(signal.SIGTERM))
    _reset()
    assert not blocked and not ignored, (
        f"the test left SIGINT/SIGTERM {'blocked' if blocked else 'ignored'}")


@pytest.fixture(autouse=True)
def _databases_closed_after_the_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """Close the LMDB environments a test opened in its own ``tmp_path``.

    The store keeps one environment per database per process until its last
    user closes it, and most tests drop their stores without closing them: a
    whole run kept about 2,000 descriptors and as many maps open. Stores that
    module- or session-scoped fixtures opened live elsewhere and stay open.
    """
    if "tmp_path" not in request.fixturenames:
        yield
        return
    mine = str(request.getfixturevalue("tmp_path")) + os.sep
    before = set(store_db._envs)
    yield
    with store_db._envs_lock:
        for real in set(store_db._envs) - before:
            if real.startswith(mine):
                env, _ = store_db._envs.pop(real)
                store_db._users.pop(real, None)
                env.close()
