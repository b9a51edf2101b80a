"""What goes wrong between sx and a remote execution engine."""

from __future__ import annotations

from sx.derivations.build.errors import BuildError


class RemoteError(BuildError):
    """A remote build could not be done: the engine refused or failed the action,
    or what it sent back was malformed or did not match its own digests.

    Not raised when the builder itself ran remotely and failed (that is a plain
    :class:`BuildError`, as for a local build), nor when the engine cannot be
    reached at all (:class:`RemoteUnavailable`).
    """


class RemoteUnavailable(RemoteError):
    """The engine could not be reached (connection refused, timed out, TLS failed).

    The one remote failure that ``--remote-fallback`` answers with a local build.
    """
