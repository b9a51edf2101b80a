"""The cache settings of the configuration file (TOML).

The file is ``$SX_CONFIG`` if set, else ``<root>/etc/sx.conf``; a missing
file means "no substituters". Keys read here (others are left to the parts
of sx that own them, through :func:`read_config`)::

    substituters = ["file:///srv/sx-cache", "http://127.0.0.1:8080"]
    trusted-public-keys = ["alice:BASE64...", "bob:BASE64..."]
    required-signatures = 2     # k distinct trusted signers (default 1)
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from typing import Any

from sx.store.cache.signing import PublicKey, TrustPolicy
from sx.store.errors import InvalidInput


@dataclass(frozen=True)
class CacheConfig:
    """The cache part of the configuration, validated."""

    substituters: tuple[str, ...] = ()
    trusted_keys: tuple[PublicKey, ...] = ()
    required: int = 1
    source: str | None = None

    def policy(self) -> TrustPolicy:
        """The trust policy these settings describe (raises when inconsistent)."""
        try:
            return TrustPolicy(self.trusted_keys, self.required, self.substituters)
        except InvalidInput as e:
            raise InvalidInput(f"load config {self.source}: {e}") from None


def config_path(root: str) -> str:
    """Where the configuration file of the store at ``root`` is read from."""
    return os.environ.get("SX_CONFIG") or os.path.join(root, "etc", "sx.conf")


def parse_config(text: str, where: str) -> CacheConfig:
    """Parse and validate the cache keys of a configuration text."""
    data = parse_table(text, where)
    subs = str_list(data, "substituters", where)
    try:
        keys = tuple(PublicKey.parse(k) for k in str_list(data, "trusted-public-keys", where))
    except InvalidInput as e:
        raise InvalidInput(f"load config {where}: {e}") from None
    required = data.get("required-signatures", 1)
    if not isinstance(required, int) or isinstance(required, bool):
        raise InvalidInput(f"load config {where}: required-signatures must be an integer")
    return CacheConfig(tuple(subs), keys, required, where)


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


def str_list(data: dict[str, Any], key: str, where: str) -> list[str]:
    """A key holding a list of strings (``[]`` when absent)."""
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"load config {where}: {key} must be a list of strings")
    return value


def load_config(root: str) -> CacheConfig:
    """Read the configuration of the store at ``root`` (empty when there is no file)."""
    text, path = read_config(root)
    if text is None:
        return CacheConfig(source=path)
    return parse_config(text, path)
