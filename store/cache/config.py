"""The cache part of the settings: substituters and the trust policy.

The keys (``substituters``, ``trusted-public-keys``, ``required-signatures``,
``stalled-download-timeout``) are read like every other setting (:mod:`sx.store.config`: flags, then
``SX_*`` variables, then the configuration file)::

    substituters = ["file:///srv/sx-cache", "http://127.0.0.1:8080"]
    trusted-public-keys = ["alice:BASE64...", "bob:BASE64..."]
    required-signatures = 2          # k distinct trusted signers (default 1)
    stalled-download-timeout = 60    # seconds without data before a cache is given up

A command may override any of them for itself (``--substituters``,
``--trusted-public-keys``, ``--option NAME VALUE``): overrides replace the
file's value of the same key, and are validated the same way.
"""

from __future__ import annotations

from collections.abc import Mapping

from sx.store.cache.signing import PublicKey, TrustPolicy
from sx.store.config import (
    DEFAULT_STALL_TIMEOUT,
    Settings,
    config_path,
    load_settings,
    parse_settings,
    parse_value,
    setting,
)
from sx.store.errors import InvalidInput
from sx.store.value import Value

__all__ = ["DEFAULT_TIMEOUT", "CacheConfig", "cache_config", "config_path", "load_config",
           "option_value", "parse_config"]
DEFAULT_TIMEOUT = DEFAULT_STALL_TIMEOUT


class CacheConfig(Value):
    """The cache part of the configuration, validated.

    ``timeout``: seconds a cache may stay silent during a request before it
    is given up.
    """

    __slots__ = _fields = ("substituters", "trusted_keys", "required", "source", "timeout")
    substituters: tuple[str, ...]
    trusted_keys: tuple[PublicKey, ...]
    required: int
    source: str | None
    timeout: float

    def __init__(self, substituters: tuple[str, ...] = (),
                 trusted_keys: tuple[PublicKey, ...] = (), required: int = 1,
                 source: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._set("substituters", substituters)
        self._set("trusted_keys", trusted_keys)
        self._set("required", required)
        self._set("source", source)
        self._set("timeout", timeout)

    def policy(self) -> TrustPolicy:
        """The trust policy these settings describe (raises when inconsistent)."""
        try:
            return TrustPolicy(self.trusted_keys, self.required, self.substituters)
        except InvalidInput as e:
            raise InvalidInput(f"load config {self.source}: {e}") from None


def cache_config(settings: Settings) -> CacheConfig:
    """The cache settings, with the trusted keys parsed."""
    origin = settings.origin("trusted-public-keys")
    try:
        keys = tuple(PublicKey.parse(k) for k in settings.trusted_public_keys)
    except InvalidInput as e:
        where = settings.source if origin.startswith("file") else origin
        raise InvalidInput(f"load config {where}: {e}") from None
    where = settings.source
    if any(settings.origin(k) == "flag" for k in ("substituters", "trusted-public-keys",
                                                   "required-signatures")):
        where = f"{where} (with command-line options)"
    return CacheConfig(settings.substituters, keys, settings.required_signatures,
                       where, settings.stalled_download_timeout)


def parse_config(text: str, where: str, overrides: Mapping[str, object] | None = None
                 ) -> CacheConfig:
    """Parse and validate a configuration text (then ``overrides``); its cache part."""
    settings = parse_settings(text, where)
    if overrides:
        settings = settings.override(overrides, "flag", "option")
    return cache_config(settings)


def load_config(root: str, overrides: Mapping[str, object] | None = None) -> CacheConfig:
    """The cache settings in force for the store at ``root`` (empty when nothing is set).

    ``overrides`` are one command's ``--option``/cache flags (they count as flags).
    """
    return cache_config(load_settings(root, overrides=overrides))


def option_value(name: str, text: str) -> str:
    """``--option NAME TEXT`` checked as the setting ``name`` is everywhere; the text is kept.

    The settings read it again, so a value meaning "none" (``max-pids 0``)
    still counts as given.
    """
    parse_value(setting(name, "option"), text, "option")
    return text
