"""``builtin:fetchurl``: downloads checked against declared hashes.

``file://`` (allowed files only: :mod:`.localfiles`), ``http(s)://`` and
``mirror://debian/<pool path>``; the URLs in
env ``urls`` are tried in order and the first download that has every
declared hash wins. The Debian mirrors are read from this machine's apt
configuration at run time (never a hard-coded host).
"""

from __future__ import annotations

import glob
import http.client
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import BinaryIO

from sx.derivations.build.builtins import CHUNK, BuiltinContext
from sx.derivations.build.errors import BuildError
from sx.derivations.build.localfiles import AllowedFiles
from sx.derivations.build.outputs import check_fixed
from sx.derivations.build.settings import DEFAULT_APT_DIR
from sx.derivations.model import Derivation
from sx.store.errors import HashMismatch, InvalidInput

HTTP_TIMEOUT = 60.0
ATTEMPTS = 3
"""Tries per URL when the failure is transient (a timeout, a dropped connection, HTTP 5xx)."""
RETRY_DELAY = 2.0
"""Seconds before the second try; doubled before each later one."""


def debian_mirrors(apt_dir: str = DEFAULT_APT_DIR) -> list[str]:
    """Base URIs of the Debian archive from the apt configuration (security suites excluded).

    Reads deb822 ``sources.list.d/*.sources`` stanzas and one-line
    ``sources.list`` / ``sources.list.d/*.list`` entries. URIs that look like a
    Debian archive (``debian`` in them) come first; others are kept as a
    fallback, in file order.
    """
    uris: list[str] = []
    for path in sorted(glob.glob(os.path.join(apt_dir, "sources.list.d", "*.sources"))):
        uris += _deb822_uris(_read(path))
    legacy = [os.path.join(apt_dir, "sources.list")]
    legacy += sorted(glob.glob(os.path.join(apt_dir, "sources.list.d", "*.list")))
    for path in legacy:
        uris += _legacy_uris(_read(path))
    seen: list[str] = []
    for u in uris:
        u = u.rstrip("/")
        if u not in seen:
            seen.append(u)
    return sorted(seen, key=lambda u: "debian" not in u)


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def _is_security(suite: str) -> bool:
    return suite.endswith("-security") or suite.endswith("/updates")


def _deb822_uris(text: str) -> list[str]:
    out: list[str] = []
    for stanza in text.split("\n\n"):
        fields: dict[str, str] = {}
        key = ""
        for line in stanza.splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if line[0] in " \t" and key:
                fields[key] += " " + line.strip()
                continue
            key, _, value = line.partition(":")
            key = key.strip().lower()
            fields[key] = value.strip()
        if fields.get("enabled", "yes").lower() == "no":
            continue
        suites = fields.get("suites", "").split()
        if not suites or all(_is_security(s) for s in suites):
            continue
        out += [u for u in fields.get("uris", "").split() if "://" in u]
    return out


def _legacy_uris(text: str) -> list[str]:
    out: list[str] = []
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if not words or words[0] not in ("deb", "deb-src"):
            continue
        words = words[1:]
        if words and words[0].startswith("["):
            while words and not words[0].endswith("]"):
                words = words[1:]
            words = words[1:]
        if len(words) >= 2 and "://" in words[0] and not _is_security(words[1]):
            out.append(words[0])
    return out


def expand_url(url: str, apt_dir: str) -> list[str]:
    """The concrete URLs to try for ``url`` (``mirror://debian/...`` becomes several)."""
    prefix = "mirror://debian/"
    if url.startswith("mirror://"):
        if not url.startswith(prefix):
            raise BuildError(f"fetch {url}: unknown mirror (only mirror://debian/ is known)")
        rest = url[len(prefix):].lstrip("/")
        mirrors = debian_mirrors(apt_dir)
        if not mirrors:
            raise BuildError(f"fetch {url}: no Debian mirror in the apt configuration "
                             f"({apt_dir})")
        return [f"{m}/{rest}" for m in mirrors]
    return [url]


class TransientError(BuildError):
    """A download failure worth another try: the server or network may recover."""


def _open_url(url: str, allowed: AllowedFiles) -> BinaryIO:
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme == "file":
        if parsed.netloc not in ("", "localhost"):
            raise BuildError(f"fetch {url}: file URLs name no host")
        path = urllib.parse.unquote(parsed.path)
        return os.fdopen(allowed.open(url, path), "rb")
    if parsed.scheme in ("http", "https"):
        req = urllib.request.Request(url, headers={"User-Agent": "sx-fetchurl/1"})
        try:
            resp: BinaryIO = urllib.request.urlopen(req, timeout=HTTP_TIMEOUT)
            return resp
        except urllib.error.HTTPError as e:
            kind = TransientError if e.code >= 500 or e.code == 429 else BuildError
            raise kind(f"fetch {url}: HTTP {e.code} {e.reason}") from e
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            raise TransientError(f"fetch {url}: {reason}") from e
    raise BuildError(f"fetch {url}: unsupported URL scheme {parsed.scheme!r}")


def _download(url: str, dest: str, ctx: BuiltinContext, allowed: AllowedFiles) -> int:
    src = _open_url(url, allowed)
    size = 0
    try:
        with open(dest, "wb") as out:
            while True:
                ctx.checkpoint()
                try:
                    chunk = src.read(CHUNK)
                except (OSError, http.client.HTTPException) as e:
                    # Timeouts, resets and short bodies in the middle of a download.
                    raise TransientError(f"fetch {url}: {e!r}") from e
                if not chunk:
                    break
                out.write(chunk)
                size += len(chunk)
    finally:
        src.close()
    length = getattr(src, "length", None)
    if isinstance(length, int) and length > 0:
        # http.client counts down what Content-Length promised: a body cut short.
        raise TransientError(f"fetch {url}: connection closed {length} bytes early")
    return size


def _download_retrying(url: str, dest: str, ctx: BuiltinContext,
                       allowed: AllowedFiles) -> int:
    """:func:`_download`, tried up to :data:`ATTEMPTS` times while failures are transient."""
    delay = RETRY_DELAY
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return _download(url, dest, ctx, allowed)
        except TransientError as e:
            if attempt == ATTEMPTS:
                raise
            ctx.log(f"{e}; trying again in {delay:g} s ({attempt + 1} of {ATTEMPTS})\n")
        for _ in range(int(delay * 10)):
            ctx.checkpoint()
            time.sleep(0.1)
        delay *= 2
    raise AssertionError("unreachable")


def fetchurl(ctx: BuiltinContext, drv: Derivation, apt_dir: str = DEFAULT_APT_DIR,
             allowed: AllowedFiles | None = None) -> None:
    """Download the first URL whose content has every declared hash to ``ctx.out``.

    ``file://`` URLs may name only the files in ``allowed`` (see :mod:`.localfiles`).
    """
    if not drv.is_fixed_output:
        raise InvalidInput(f"build {ctx.drv_path}: builtin:fetchurl needs a declared hash")
    urls = ctx.env.get("urls", "").split()
    if not urls:
        raise InvalidInput(f"build {ctx.drv_path}: builtin:fetchurl without urls")
    allowed = allowed or AllowedFiles()
    errors: list[Exception] = []
    for url in urls:
        for concrete in expand_url(url, apt_dir):
            ctx.log(f"downloading {concrete}\n")
            try:
                size = _download_retrying(concrete, ctx.out, ctx, allowed)
                if ctx.env.get("executable") == "1":
                    os.chmod(ctx.out, 0o755)
                check_fixed(drv, ctx.drv_path, ctx.out)
            except (BuildError, HashMismatch) as e:
                ctx.log(f"{e}\n")
                errors.append(e)
                if os.path.lexists(ctx.out):
                    os.unlink(ctx.out)
                continue
            ctx.log(f"fetched {size} bytes\n")
            return
    mismatch = [e for e in errors if isinstance(e, HashMismatch)]
    raise (mismatch or errors)[-1]
