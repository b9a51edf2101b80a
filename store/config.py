"""Settings: the configuration file, the environment and command-line flags, in one table.

Every setting has one entry in :data:`SETTINGS`: its name in the file
(TOML, ``$SX_CONFIG`` or else ``<root>/etc/sx.conf``), its environment
variable (``SX_`` + the name in capitals with ``_`` for ``-``), its type and
its default. The value in force comes from the first of

1. a command-line flag (``-j 4``; commands hand them to :func:`set_flags`),
2. the environment (``SX_JOBS=4``),
3. the configuration file (``jobs = 4``),
4. the default.

A key the table does not know is an error that names the closest known
key: a mistyped setting is never silently ignored.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from typing import Any

from sx.store.errors import InvalidInput
from sx.store.sizes import SIZE_FORMS, parse_size
from sx.store.value import Value

SANDBOX_MODES = ("auto", "mapped", "plain")
DEFAULT_MAX_LOG = 1 << 30
"""Bytes of builder output after which a build is killed."""
DEFAULT_MAX_PIDS = 2048
"""Processes and threads one build may have at once: stops a fork bomb, not make -j."""
DEFAULT_STALL_TIMEOUT = 60.0
"""Seconds a cache may stay silent during a request before it is given up."""


class _Bad(ValueError):
    """A value of the wrong type or range (the message says what was expected)."""


def _count(minimum: int) -> Callable[[Any, bool], int]:
    def parse(v: Any, text: bool) -> int:
        if text and isinstance(v, str) and v.strip().isascii() and v.strip().isdigit():
            v = int(v.strip())
        if not isinstance(v, int) or isinstance(v, bool) or v < minimum:
            raise _Bad(f"expected a whole number >= {minimum}")
        return v
    return parse


def _bool(v: Any, text: bool) -> bool:
    if text and isinstance(v, str):
        word = v.strip().lower()
        if word in ("1", "true", "yes", "on"):
            return True
        if word in ("0", "false", "no", "off", ""):
            return False
    if not isinstance(v, bool):
        raise _Bad("expected true or false")
    return v


def _size(v: Any, text: bool) -> int:
    if isinstance(v, int) and not isinstance(v, bool) and v >= 0:
        return v
    if not isinstance(v, str):
        raise _Bad(f"expected {SIZE_FORMS}")
    try:
        return parse_size(v)
    except InvalidInput:
        raise _Bad(f"expected {SIZE_FORMS}") from None


def _limit_count(v: Any, text: bool) -> int | None:
    """A limit counted in units; 0 means no limit (None)."""
    try:
        return _count(0)(v, text) or None
    except _Bad:
        raise _Bad("expected a whole number (0: no limit)") from None


def _limit_size(v: Any, text: bool) -> int | None:
    """A size limit; 0 means no limit (None)."""
    return _size(v, text) or None


def _positive_seconds(v: Any, text: bool) -> float:
    got = _seconds(v, text)
    if got is None:
        raise _Bad("expected a positive number of seconds")
    return got


def _optional_str(v: Any, text: bool) -> str | None:
    """A string; empty means not set (None)."""
    if not isinstance(v, str):
        raise _Bad("expected a string")
    return v.strip() or None


def _seconds(v: Any, text: bool) -> float | None:
    """A number of seconds; 0 means no limit."""
    if text and isinstance(v, str):
        try:
            v = float(v) if v.strip().lower() != "none" else 0
        except ValueError:
            raise _Bad("expected a number of seconds (0: no limit)") from None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
        raise _Bad("expected a number of seconds (0: no limit)")
    return float(v) if v else None


def _strings(v: Any, text: bool) -> tuple[str, ...]:
    if text and isinstance(v, str):
        return tuple(v.split())
    if not isinstance(v, (list, tuple)) or not all(isinstance(x, str) for x in v):
        raise _Bad("expected a list of strings")
    return tuple(v)


def _sandbox(v: Any, text: bool) -> str:
    if v is False or (text and v in ("false", "0", "off", "none")):
        raise _Bad("sx never builds without a sandbox; expected one of "
                   + ", ".join(SANDBOX_MODES))
    if v not in SANDBOX_MODES:
        raise _Bad(f"expected one of {', '.join(SANDBOX_MODES)}")
    return str(v)


class Setting(Value):
    """One configurable value: its key, how to read it, its default and what it does.

    ``parse``: (value, from text) -> the value; text (flags, environment)
    may spell any type.
    """

    __slots__ = _fields = ("key", "parse", "default", "help")
    key: str
    parse: Callable[[Any, bool], Any]
    default: Any
    help: str

    def __init__(self, key: str, parse: Callable[[Any, bool], Any], default: Any,
                 help: str) -> None:
        self._set("key", key)
        self._set("parse", parse)
        self._set("default", default)
        self._set("help", help)

    @property
    def env(self) -> str:
        """The environment variable that sets it."""
        return "SX_" + self.key.upper().replace("-", "_")

    @property
    def attr(self) -> str:
        """The attribute name on :class:`Settings`."""
        return self.key.replace("-", "_")


SETTINGS: tuple[Setting, ...] = (
    Setting("jobs", _count(0), 0, "builds at once; 0 means one per CPU (realize -j)"),
    Setting("keep-going", _bool, False,
            "keep building what does not depend on a failure (realize -k)"),
    Setting("timeout", _seconds, None, "kill a build after this many seconds (realize --timeout)"),
    Setting("max-log-size", _size, DEFAULT_MAX_LOG,
            "kill a build whose log grows past this size (realize --max-log-size)"),
    Setting("max-pids", _limit_count, DEFAULT_MAX_PIDS,
            "processes and threads one build may have; 0: no limit (realize --max-pids)"),
    Setting("max-memory", _limit_size, None,
            "memory one build may use; 0: no limit (realize --max-memory)"),
    Setting("max-cpu-time", _seconds, None,
            "CPU seconds one build may use; 0: no limit (realize --max-cpu-time)"),
    Setting("print-build-logs", _bool, False,
            "echo every build's output, prefixed by its name (realize -L)"),
    Setting("keep-failed", _bool, False,
            "keep a failed build's /build directory (realize -K)"),
    Setting("keep-outputs", _bool, False, "GC keeps the outputs of live derivations"),
    Setting("keep-derivations", _bool, False, "GC keeps the derivations of live paths"),
    Setting("substituters", _strings, (), "binary cache URLs to substitute from, in order"),
    Setting("trusted-public-keys", _strings, (), "keys whose signatures count (name:base64)"),
    Setting("required-signatures", _count(1), 1,
            "distinct trusted signers a substituted object needs (k of n)"),
    Setting("stalled-download-timeout", _positive_seconds, DEFAULT_STALL_TIMEOUT,
            "seconds a cache may stay silent during a request before it is given up"),
    Setting("sandbox", _sandbox, "auto",
            "auto (mapped ids as root, else plain), mapped or plain; never off"),
    Setting("allowed-files", _strings, (),
            "local files and directories file:// fetches may read (realize --allow-file adds)"),
    Setting("remote", _optional_str, None,
            "remote execution engine for sandboxed builds, grpc[s]://HOST:PORT[/INSTANCE] "
            "(realize --remote)"),
    Setting("remote-fallback", _bool, False,
            "build locally when the remote engine cannot be reached (realize --remote-fallback)"),
    Setting("remote-jobs", _count(1), 64,
            "remote actions in flight at once (realize --remote-jobs)"),
)
"""Every setting sx reads; docs/configuration.md lists them with the same words."""

_BY_KEY = {s.key: s for s in SETTINGS}


class Settings(Value):
    """The settings in force, and where each value came from.

    ``source``: the configuration file read (or looked for); ``origins``:
    per key, ``flag``, ``env SX_...``, ``file PATH`` or ``default``.
    """

    __slots__ = _fields = (
        "jobs", "keep_going", "timeout", "max_log_size", "max_pids", "max_memory",
        "max_cpu_time", "print_build_logs", "keep_failed", "keep_outputs", "keep_derivations",
        "substituters", "trusted_public_keys", "required_signatures",
        "stalled_download_timeout", "sandbox", "allowed_files", "remote", "remote_fallback",
        "remote_jobs", "source", "origins")
    jobs: int
    keep_going: bool
    timeout: float | None
    max_log_size: int
    max_pids: int | None
    max_memory: int | None
    max_cpu_time: float | None
    print_build_logs: bool
    keep_failed: bool
    keep_outputs: bool
    keep_derivations: bool
    substituters: tuple[str, ...]
    trusted_public_keys: tuple[str, ...]
    required_signatures: int
    stalled_download_timeout: float
    sandbox: str
    allowed_files: tuple[str, ...]
    remote: str | None
    remote_fallback: bool
    remote_jobs: int
    source: str | None
    origins: Mapping[str, str]

    def __init__(self, *, jobs: int = 0, keep_going: bool = False,
                 timeout: float | None = None, max_log_size: int = DEFAULT_MAX_LOG,
                 max_pids: int | None = DEFAULT_MAX_PIDS, max_memory: int | None = None,
                 max_cpu_time: float | None = None, print_build_logs: bool = False,
                 keep_failed: bool = False, keep_outputs: bool = False,
                 keep_derivations: bool = False, substituters: tuple[str, ...] = (),
                 trusted_public_keys: tuple[str, ...] = (), required_signatures: int = 1,
                 stalled_download_timeout: float = DEFAULT_STALL_TIMEOUT,
                 sandbox: str = "auto", allowed_files: tuple[str, ...] = (),
                 remote: str | None = None, remote_fallback: bool = False,
                 remote_jobs: int = 64, source: str | None = None,
                 origins: Mapping[str, str] | None = None) -> None:
        given = locals()
        for name in self._fields[:-1]:
            self._set(name, given[name])
        self._set("origins", {} if origins is None else origins)

    def origin(self, key: str) -> str:
        """Where the value of ``key`` came from."""
        return self.origins.get(key, "default")

    def get(self, key: str) -> Any:
        """The value of ``key`` (by its configuration name)."""
        return getattr(self, setting(key, "get setting").attr)

    def override(self, values: Mapping[str, Any], origin: str, what: str,
                 text: bool = True) -> Settings:
        """These settings with ``values`` taking precedence (None means "not given").

        ``origin`` is recorded per key; ``what`` starts error messages;
        ``text``: the values are strings (flags, environment), not TOML values.
        """
        changes: dict[str, Any] = {}
        origins = dict(self.origins)
        for key, raw in values.items():
            if raw is None:
                continue
            s = setting(key, what)
            changes[s.attr] = parse_value(s, raw, what, text)
            origins[key] = origin
        return self.replace(**changes, origins=origins)


def setting(key: str, what: str) -> Setting:
    """The setting called ``key``; unknown keys are an error naming the closest known one."""
    s = _BY_KEY.get(key)
    if s is None:
        import difflib  # here: only a mistyped key needs it

        close = difflib.get_close_matches(key, _BY_KEY, n=1, cutoff=0.5)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise InvalidInput(f"{what}: unknown key {key!r}{hint}; known keys: "
                           + ", ".join(_BY_KEY))
    return s


def parse_value(s: Setting, raw: Any, what: str, text: bool = True) -> Any:
    """Check and convert one value of ``s`` (``what`` starts the error message)."""
    try:
        return s.parse(raw, text)
    except _Bad as e:
        raise InvalidInput(f"{what}: {s.key}: {e}") from None


def config_path(root: str) -> str:
    """Where the configuration file of the store at ``root`` is read from."""
    return os.environ.get("SX_CONFIG") or os.path.join(root, "etc", "sx.conf")


def parse_settings(text: str, where: str, base: Settings | None = None) -> Settings:
    """Settings from a configuration text (on top of ``base``, default: the defaults)."""
    import tomllib  # here: most commands read no configuration file (and it imports datetime)

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise InvalidInput(f"load config {where}: {e}") from e
    out = base or Settings()
    out = out.override(data, f"file {where}", f"load config {where}", text=False)
    return out.replace(source=where)


def _from_env(settings: Settings, env: Mapping[str, str]) -> Settings:
    for s in SETTINGS:
        if s.env in env:
            settings = settings.override({s.key: env[s.env]}, f"env {s.env}",
                                         f"read environment {s.env}")
    return settings


_flags: dict[str, Any] = {}


def set_flags(values: Mapping[str, Any]) -> None:
    """Record the settings given as command-line flags (None: not given); they win over all."""
    for key in values:
        setting(key, "set flag")
    _flags.clear()
    _flags.update({k: v for k, v in values.items() if v is not None})


def load_settings(root: str, env: Mapping[str, str] | None = None,
                  overrides: Mapping[str, Any] | None = None) -> Settings:
    """The settings in force for the store at ``root``: flags > environment > file > defaults.

    ``overrides`` (``--option NAME VALUE`` and the cache flags of one
    command) count as flags, on top of those given to :func:`set_flags`.
    """
    env = os.environ if env is None else env
    path = env.get("SX_CONFIG") or os.path.join(root, "etc", "sx.conf")
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        settings = Settings(source=path)
    except (OSError, UnicodeDecodeError) as e:
        raise InvalidInput(f"load config {path}: {e}") from e
    else:
        settings = parse_settings(text, path)
    settings = _from_env(settings, env)
    settings = settings.override(_flags, "flag", "set flag") if _flags else settings
    return settings.override(overrides, "flag", "option") if overrides else settings


def setting_fields() -> list[str]:
    """The attribute names of :class:`Settings` that are settings (for a consistency test)."""
    return [f for f in Settings._fields if f not in ("source", "origins")]
