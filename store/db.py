"""The LMDB environment under ``<root>/var/db``: its tables and schema version.

Tables (all keys and values bytes; values canonical msgpack):

* ``paths``: ``<digest>-<name>`` -> path info record
* ``referrers``: ``<ref base>\\0<referrer base>`` -> empty (reverse references)
* ``realisations``: ``<drv hash>!<output>`` -> realisation record
* ``drvoutputs``: ``<drv base>!<output>`` -> output base (derivation to outputs)
* ``meta``: ``schema`` -> schema version

LMDB gives one writer at a time across processes and readers that never
block; every write the store makes is one transaction, so a crash leaves
either the old or the new state. Each process opens an environment once
(LMDB forbids opening the same file twice in a process).
"""

from __future__ import annotations

import _thread
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import lmdb
from sx.store.encoding import pack, unpack_fast
from sx.store.errors import StorageError

TYPE_CHECKING = False  # typing only for the checker: it costs every start (cli/main.py)
if TYPE_CHECKING:
    from typing import Any

SCHEMA_VERSION = 1
TABLES = ("paths", "referrers", "realisations", "drvoutputs", "meta")
# A sparse file: LMDB only uses what it writes. 64 GiB of address space.
MAP_SIZE = 64 << 30

# One environment (and its table handles) per database per process, with the
# number of open Database objects using it.
_envs: dict[str, tuple[lmdb.Environment, dict[str, Any]]] = {}
_users: dict[str, int] = {}
# _thread's lock is threading.Lock, without importing threading (every query's start-up).
_envs_lock = _thread.allocate_lock()


def _open_tables(env: lmdb.Environment, real: str) -> dict[str, Any]:
    """The table handles, opened in one write transaction (py-lmdb drops handles
    opened in read-only ones). A new database gets its tables and schema in one
    commit; for an existing one nothing is written, so the commit does not sync.
    """
    try:
        with env.begin(write=True) as txn:
            tables = {name: env.open_db(name.encode(), txn=txn) for name in TABLES}
            if txn.get(b"schema", db=tables["meta"]) is None:
                txn.put(b"schema", pack(SCHEMA_VERSION), db=tables["meta"])
            return tables
    except lmdb.Error as e:
        raise StorageError(f"open database {real}: {e}") from e


class Database:
    """An open store database; cheap to create, shares one env per process."""

    def __init__(self, path: str) -> None:
        try:
            os.makedirs(path, exist_ok=True)
        except OSError as e:
            raise StorageError(f"open database {path}: {e.strerror}") from e
        real = os.path.realpath(path)
        with _envs_lock:
            cached = _envs.get(real)
            if cached is None:
                try:
                    env = lmdb.open(
                        real, max_dbs=len(TABLES) + 2, map_size=MAP_SIZE, subdir=True,
                        sync=True, metasync=True, readahead=False, max_readers=512,
                    )
                except lmdb.Error as e:
                    raise StorageError(f"open database {real}: {e}") from e
                try:
                    cached = (env, _open_tables(env, real))
                except BaseException:
                    env.close()
                    raise
                _envs[real] = cached
            _users[real] = _users.get(real, 0) + 1
        self.real = real
        self.env, self.tables = cached
        self._check_schema()

    def close(self) -> None:
        """Stop using the environment; the last user in the process closes it.

        Optional (an environment lives until the process exits otherwise); for
        processes that open many stores, each of which reserves address space.
        """
        with _envs_lock:
            if self.real not in _users:
                return
            _users[self.real] -= 1
            if _users[self.real] == 0:
                del _users[self.real]
                env, _ = _envs.pop(self.real)
                env.close()

    def _check_schema(self) -> None:
        with self.env.begin(write=False) as txn:
            raw = txn.get(b"schema", db=self.tables["meta"])
        version = None if raw is None else unpack_fast(bytes(raw))
        if version != SCHEMA_VERSION:
            raise StorageError(
                f"open database: schema version {version}, this sx understands {SCHEMA_VERSION}"
            )

    @contextmanager
    def read(self) -> Iterator[Txn]:
        """A read-only snapshot."""
        with self.env.begin(write=False, buffers=False) as txn:
            yield Txn(self, txn)

    @contextmanager
    def write(self) -> Iterator[Txn]:
        """The one write transaction; committed durably on success, aborted on error."""
        try:
            with self.env.begin(write=True) as txn:
                yield Txn(self, txn)
        except lmdb.Error as e:
            raise StorageError(f"write database: {e}") from e


class Txn:
    """Typed access to the tables inside one LMDB transaction."""

    def __init__(self, db: Database, txn: lmdb.Transaction) -> None:
        self.db = db
        self.txn = txn
        self.t = db.tables

    def get(self, table: str, key: bytes) -> Any:
        """The decoded value, or None."""
        raw = self.txn.get(key, db=self.t[table])
        return None if raw is None else unpack_fast(bytes(raw))

    def getter(self, table: str) -> Callable[[bytes], Any]:
        """:meth:`get` bound to one table, for loops over thousands of keys (closures)."""
        get, db = self.txn.get, self.t[table]

        def read(key: bytes) -> Any:
            raw = get(key, db=db)
            return None if raw is None else unpack_fast(bytes(raw))

        return read

    def has(self, table: str, key: bytes) -> bool:
        """Whether ``key`` exists."""
        return self.txn.get(key, db=self.t[table]) is not None

    def put(self, table: str, key: bytes, value: Any) -> None:
        """Store a value (canonical msgpack)."""
        self.txn.put(key, pack(value), db=self.t[table])

    def put_raw(self, table: str, key: bytes, value: bytes) -> None:
        """Store raw bytes."""
        self.txn.put(key, value, db=self.t[table])

    def delete(self, table: str, key: bytes) -> bool:
        """Remove a key; False when it was absent."""
        return bool(self.txn.delete(key, db=self.t[table]))

    def _scan(self, table: str, prefix: bytes, values: bool) -> Iterator[Any]:
        """Raw entries in key order from the first key >= ``prefix`` while it matches."""
        with self.txn.cursor(db=self.t[table]) as cur:
            if not (cur.set_range(prefix) if prefix else cur.first()):
                return
            entries: Iterator[Any] = (cur.iternext(keys=True, values=True) if values
                                      else cur.iternext(keys=True, values=False))
            for entry in entries:
                if prefix and not bytes(entry[0] if values else entry).startswith(prefix):
                    return
                yield entry

    def keys(self, table: str, prefix: bytes = b"") -> Iterator[bytes]:
        """Keys in order, optionally only those starting with ``prefix``."""
        for raw_key in self._scan(table, prefix, values=False):
            yield bytes(raw_key)

    def items(self, table: str, prefix: bytes = b"") -> Iterator[tuple[bytes, Any]]:
        """Decoded items in key order, optionally under ``prefix``."""
        for raw_key, raw in self._scan(table, prefix, values=True):
            yield bytes(raw_key), unpack_fast(bytes(raw))

    def count(self, table: str) -> int:
        """Number of entries in a table."""
        return int(self.txn.stat(self.t[table])["entries"])
