"""Command-line overrides of the cache settings, for one command.

``--substituters URL...`` and ``--trusted-public-keys KEY...`` replace the
configuration file's lists (repeat the flag, or give several words in one
value; an empty value means none); ``--option NAME VALUE`` sets any setting
of :mod:`sx.store.config` (``required-signatures 2``, ``max-pids 512``, lists
as whitespace-separated words). They count as flags; values are checked by
the same table as the file's.
"""

from __future__ import annotations

from sx.store.cache.config import option_value

TYPE_CHECKING = False  # argparse only for the checker: it costs every start (cli/quick.py)
if TYPE_CHECKING:
    import argparse


def add_cache_options(p: argparse.ArgumentParser) -> None:
    """Add the override flags to a command's parser."""
    g = p.add_argument_group("caches (override the configuration file for this command)")
    g.add_argument("--substituters", action="append", metavar="URL...",
                   help="caches to substitute from (space-separated; repeatable; '' for none)")
    g.add_argument("--trusted-public-keys", action="append", metavar="KEY...",
                   help="keys whose signatures count (space-separated; repeatable)")
    g.add_argument("--option", nargs=2, action="append", metavar=("NAME", "VALUE"),
                   help="set a cache setting, e.g. --option required-signatures 2")


def _words(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    return [w for v in values for w in v.split()]


def cache_overrides(args: argparse.Namespace) -> dict[str, object]:
    """The overrides the flags give (empty when none were used)."""
    out: dict[str, object] = {}
    for name, value in getattr(args, "option", None) or []:
        out[name] = option_value(name, value)
    subs = _words(getattr(args, "substituters", None))
    if subs is not None:
        out["substituters"] = subs
    keys = _words(getattr(args, "trusted_public_keys", None))
    if keys is not None:
        out["trusted-public-keys"] = keys
    return out
