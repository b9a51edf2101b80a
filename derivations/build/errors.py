"""What can go wrong while realizing derivations.

Every build failure is a :class:`BuildError` (``sx`` exits with code 4 for
it). Bad *input* (a malformed recipe, a store path that does not parse) is
still the store's :class:`~sx.store.errors.InvalidInput`: it is raised before
anything is built. A store that cannot do its job is still
:class:`~sx.store.errors.StorageError`.
"""

from __future__ import annotations

from sx.store.errors import StoreError


class BuildError(StoreError):
    """A derivation could not be realized: its builder failed, timed out,
    printed too much, produced no or bad outputs, or a fetch failed.

    Not raised for a malformed derivation (that is ``InvalidInput``) nor for
    I/O failures of the store itself (``StorageError``).
    """


class BuilderFailed(BuildError):
    """The builder ran and exited with a status other than 0 (``exit_code``)."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class BuildTimeout(BuildError):
    """The builder ran longer than the per-build timeout and was killed."""


class LogLimitExceeded(BuildError):
    """The builder wrote more log than allowed and was killed."""


class LimitExceeded(BuildError):
    """The build reached its process limit or used more memory or CPU time than allowed.

    The message names the limit. Raised only when sx saw it; a program that
    merely failed because the kernel refused it a process or memory fails
    with its own exit code (:class:`BuildError`).
    """


class DependencyFailed(BuildError):
    """A derivation was not attempted because one of its inputs failed."""


class NotSubstitutable(BuildError):
    """``--no-build`` was given and an output could not be substituted."""


class CheckMismatch(BuildError):
    """``--check`` rebuilt a derivation and got different bytes.

    Both outputs are kept; the message names them and the first differing file.
    """


class Terminated(KeyboardInterrupt):
    """sx received SIGTERM while realizing: the running builds were killed and waited for.

    A :class:`KeyboardInterrupt` (like Ctrl-C), not a build failure; ``sx``
    exits with 143 (128 + SIGTERM) for it.
    """
