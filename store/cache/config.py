"""The cache settings of the configuration file (TOML), and per-command overrides.

The file is ``$SX_CONFIG`` if set, else ``<root>/etc/sx.conf``; a missing
file means "no substituters". Keys read here (others are left to the parts
of sx that own them, through :func:`read_config`)::

    substituters = ["file:///srv/sx-cache", "http://127.0.0.1:8080"]
    trusted-public-keys = ["alice:BASE64...", "bob:BASE64..."]
    required-signatures = 2          # k distinct trusted signers (default 1)
    stalled-download-timeout = 60    # seconds without data before a cache is given up

A command may override any of them for itself (``--substituters``,
``--trusted-public-keys``, ``--option NAME VALUE``): overrides replace the
file's value of the same key, and are validated the same way.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sx.store.cache.signing import PublicKey, TrustPolicy
from sx.store.errors import InvalidInput

DEFAULT_TIMEOUT = 60.0
# Each setting and the type its value has (command-line text is converted to it).
SETTINGS: dict[str, type] = {
    "substituters": list,
    "trusted-public-keys": list,
    "required-signatures": int,
    "stalled-download-timeout": float,
}


@dataclass(frozen=True)
class CacheConfig:
    """The cache part of the configuration, validated."""

    substituters: tuple[str, ...] = ()
    trusted_keys: tuple[PublicKey, ...] = ()
    required: int = 1
    source: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    """Seconds a cache may stay silent during a request before it is given up."""

    def policy(self) -> TrustPolicy:
        """The trust policy these settings describe (raises when inconsistent)."""
        try:
            return TrustPolicy(self.trusted_keys, self.required, self.substituters)
        except InvalidInput as e:
            raise InvalidInput(f"load config {self.source}: {e}") from None


def config_path(root: str) -> str:
    """Where the configuration file of the store at ``root`` is read from."""
    return os.environ.get("SX_CONFIG") or os.path.join(root, "etc", "sx.conf")


def read_config(root: str) -> tuple[str | None, str]:
    """The text of the configuration file of the store at ``root`` (None when there is
    none) and where it was looked for. The one place the file is read."""
    path = config_path(root)
    try:
        with open(path, encoding="utf-8") as f:
            return f.read(), path
    except FileNotFoundError:
        return None, path
    except (OSError, UnicodeDecodeError) as e:
        raise InvalidInput(f"load config {path}: {e}") from e


def parse_table(text: str, where: str) -> dict[str, Any]:
    """The configuration text as a TOML table (bad TOML is :class:`InvalidInput`)."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise InvalidInput(f"load config {where}: {e}") from e


def str_list(data: Mapping[str, Any], key: str, where: str) -> list[str]:
    """A key holding a list of strings (``[]`` when absent)."""
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"load config {where}: {key} must be a list of strings")
    return value


def _number(data: Mapping[str, Any], key: str, default: float, where: str) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise InvalidInput(f"load config {where}: {key} must be a positive number of seconds")
    return float(value)


def option_value(name: str, text: str) -> object:
    """The typed value of ``--option NAME TEXT`` (lists: whitespace-separated)."""
    kind = SETTINGS.get(name)
    if kind is None:
        raise InvalidInput(f"option {name!r}: unknown setting (known: {', '.join(SETTINGS)})")
    if kind is list:
        return text.split()
    try:
        return kind(text)
    except ValueError:
        raise InvalidInput(f"option {name}: {text!r} is not a {kind.__name__}") from None


def _settings(data: Mapping[str, Any], where: str) -> CacheConfig:
    subs = str_list(data, "substituters", where)
    try:
        keys = tuple(PublicKey.parse(k) for k in str_list(data, "trusted-public-keys", where))
    except InvalidInput as e:
        raise InvalidInput(f"load config {where}: {e}") from None
    required = data.get("required-signatures", 1)
    if not isinstance(required, int) or isinstance(required, bool):
        raise InvalidInput(f"load config {where}: required-signatures must be an integer")
    timeout = _number(data, "stalled-download-timeout", DEFAULT_TIMEOUT, where)
    return CacheConfig(tuple(subs), keys, required, where, timeout)


def parse_config(text: str, where: str, overrides: Mapping[str, object] | None = None
                 ) -> CacheConfig:
    """Parse and validate the cache keys of a configuration text, then ``overrides``."""
    data = parse_table(text, where)
    if overrides:
        unknown = sorted(set(overrides) - set(SETTINGS))
        if unknown:
            raise InvalidInput(f"option {unknown[0]!r}: unknown setting "
                               f"(known: {', '.join(SETTINGS)})")
        data.update(overrides)
        where = f"{where} (with command-line options)"
    return _settings(data, where)


def load_config(root: str, overrides: Mapping[str, object] | None = None) -> CacheConfig:
    """Read the configuration of the store at ``root`` (empty when there is no file)."""
    text, path = read_config(root)
    return parse_config(text or "", path, overrides)
