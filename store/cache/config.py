"""The cache part of the settings: substituters and the trust policy.

The keys (``substituters``, ``trusted-public-keys``, ``required-signatures``)
are read like every other setting (:mod:`sx.store.config`: flags, then
``SX_*`` variables, then the configuration file)::

    substituters = ["file:///srv/sx-cache", "http://127.0.0.1:8080"]
    trusted-public-keys = ["alice:BASE64...", "bob:BASE64..."]
    required-signatures = 2     # k distinct trusted signers (default 1)
"""

from __future__ import annotations

from dataclasses import dataclass

from sx.store.cache.signing import PublicKey, TrustPolicy
from sx.store.config import Settings, config_path, load_settings, parse_settings
from sx.store.errors import InvalidInput

__all__ = ["CacheConfig", "cache_config", "config_path", "load_config", "parse_config"]


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


def cache_config(settings: Settings) -> CacheConfig:
    """The cache settings, with the trusted keys parsed."""
    origin = settings.origin("trusted-public-keys")
    try:
        keys = tuple(PublicKey.parse(k) for k in settings.trusted_public_keys)
    except InvalidInput as e:
        where = settings.source if origin.startswith("file") else origin
        raise InvalidInput(f"load config {where}: {e}") from None
    return CacheConfig(settings.substituters, keys, settings.required_signatures,
                       settings.source)


def parse_config(text: str, where: str) -> CacheConfig:
    """Parse and validate a configuration text; its cache part."""
    return cache_config(parse_settings(text, where))


def load_config(root: str) -> CacheConfig:
    """The cache settings in force for the store at ``root`` (empty when nothing is set)."""
    return cache_config(load_settings(root))
