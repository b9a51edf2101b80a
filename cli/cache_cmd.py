"""Binary cache commands: ``key``, ``sign``, ``copy``, ``serve``, ``verify``, ``challenge``,
``cache info``."""

from __future__ import annotations

import os
import sys
from typing import Any

import trio
from sx.cli.cache_options import add_cache_options, cache_overrides
from sx.cli.commands import add_command, suppress
from sx.cli.common import add_json, add_token_file, open_store, print_json, read_token
from sx.cli.errors import BAD_INPUT, NOT_TRUSTED
from sx.cli.installables import add_installables, parse_remote_paths, resolve_paths
from sx.store import nar
from sx.store.cache import Cache, open_cache
from sx.store.cache.base import CacheError
from sx.store.cache.challenge import Verdict, challenge
from sx.store.cache.config import load_config
from sx.store.cache.copy import copy_from, copy_to
from sx.store.cache.layout import CachedPath, CacheInfo, info_key, read_cache_info
from sx.store.cache.signing import (
    SecretKey,
    TrustPolicy,
    Untrusted,
    load_secret_key,
    write_secret_key,
)
from sx.store.cache.sigs import (
    SigReport,
    realisations_of,
    report_path,
    report_realisation,
    sign_paths,
)
from sx.store.errors import InvalidInput, NotFound
from sx.store.info import PathInfo
from sx.store.local import LocalStore, default_root
from sx.store.path import StorePath

TYPE_CHECKING = False  # argparse only for the checker: it costs every start (cli/quick.py)
if TYPE_CHECKING:
    import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the cache commands."""
    _register_key(sub)
    s = add_command(sub, "sign")
    s.add_argument("--key", required=True, metavar="FILE", help="secret key file")
    s.add_argument("-r", "--closure", action="store_true", help="sign the whole closure")
    add_installables(s, dest="paths")
    s.set_defaults(func=cmd_sign)

    c = add_command(sub, "copy")
    way = c.add_mutually_exclusive_group(required=True)
    way.add_argument("--to", metavar="URL", help="file:///dir, http://host:port, oci://host/repo")
    way.add_argument("--from", dest="source", metavar="URL", help="cache to download from")
    c.add_argument("--no-check-sigs", action="store_true",
                   help="with --from: accept paths without trusted signatures")
    c.add_argument("-j", "--jobs", type=int, default=0, help="transfers at once")
    add_token_file(c, "upload token for sx serve (default: $SX_UPLOAD_TOKEN)")
    add_installables(c, dest="paths")
    add_json(c)
    add_cache_options(c)
    c.set_defaults(func=cmd_copy)

    v = add_command(sub, "serve")
    v.add_argument("dir", metavar="DIR")
    v.add_argument("--host", action="append", default=None, metavar="ADDR",
                   help="address to listen on, repeatable (default: 127.0.0.1 and ::1)")
    v.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    v.add_argument("--idle-timeout", type=float, default=None, metavar="S",
                   help="close a connection without a complete request after S seconds "
                        "(default 5)")
    tok = v.add_mutually_exclusive_group()
    tok.add_argument("--upload-token", metavar="TOKEN", help="allow uploads with this token")
    tok.add_argument("--token-file", metavar="FILE",
                     help="allow uploads with the token read from FILE")
    tok.add_argument("--upload-token-file", dest="token_file", help=suppress())
    v.add_argument("-v", "--verbose", action="store_true", help="log every request")
    v.set_defaults(func=cmd_serve)

    f = add_command(sub, "verify")
    f.add_argument("--sigs", action="store_true", help="report signatures and the trust verdict")
    f.add_argument("--from", dest="source", metavar="URL",
                   help="report the signatures of a cache's records instead")
    f.add_argument("-r", "--closure", action="store_true", help="the whole closure")
    add_installables(f, dest="paths")
    add_json(f)
    add_cache_options(f)
    f.set_defaults(func=cmd_verify)

    h = add_command(sub, "challenge")
    h.add_argument("urls", nargs="+", metavar="URL")
    h.add_argument("--only-differences", action="store_true",
                   help="show only outputs the caches disagree on")
    add_json(h)
    add_cache_options(h)
    h.set_defaults(func=cmd_challenge)

    cache = add_command(sub, "cache")
    cs = cache.add_subparsers(dest="cache_command", metavar="SUBCOMMAND", required=True)
    i = cs.add_parser("info", help="what a cache holds: store dir, priority, path count")
    i.add_argument("url", metavar="URL")
    add_json(i)
    i.set_defaults(func=cmd_cache_info)


def _register_key(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    k = add_command(sub, "key")
    ks = k.add_subparsers(dest="key_command", metavar="SUBCOMMAND", required=True)
    g = ks.add_parser("generate", help="make an ed25519 key pair; print the public key")
    g.add_argument("--name", required=True, help="key name, e.g. builder-1")
    g.add_argument("-o", "--output", metavar="FILE",
                   help="write the secret key to FILE (mode 0600) and print the public key; "
                        "without it the secret key is printed")
    g.set_defaults(func=cmd_key_generate)
    p = ks.add_parser("public", help="print the public key of a secret key file")
    p.add_argument("file", metavar="FILE")
    p.set_defaults(func=cmd_key_public)


# ---- keys and signing ---------------------------------------------------------------


def cmd_key_generate(args: argparse.Namespace) -> int:
    """Generate a key pair."""
    key = SecretKey.generate(args.name)
    if args.output:
        write_secret_key(key, args.output)
        print(key.public())
    else:
        print(key)
    return 0


def cmd_key_public(args: argparse.Namespace) -> int:
    """Print a secret key's public half."""
    print(load_secret_key(args.file).public())
    return 0


def cmd_sign(args: argparse.Namespace) -> int:
    """Sign paths (and their closure with -r)."""
    key = load_secret_key(args.key)
    store = open_store(args)
    paths = resolve_paths(store, args.paths, no_build=args.no_build)
    if args.closure:
        paths = sorted(store.closure(paths))
    done = sign_paths(store, key, paths)
    print(f"signed {done.paths} paths and {done.realisations} realisations as {key.name}",
          file=sys.stderr)
    return 0


# ---- copy and serve -----------------------------------------------------------------


def _policy(root: str, args: argparse.Namespace) -> TrustPolicy | None:
    """The configured trust policy, with the command's overrides (None: no trusted keys)."""
    cfg = load_config(root, cache_overrides(args))
    return cfg.policy() if cfg.trusted_keys else None


def cmd_copy(args: argparse.Namespace) -> int:
    """Upload or download closures."""
    store = open_store(args)
    jobs = args.jobs if args.jobs > 0 else (os.cpu_count() or 2)
    if args.to:
        cache = open_cache(args.to, read_token(args.token_file))
        roots = resolve_paths(store, args.paths, no_build=args.no_build)
        report = copy_to(store, cache, roots, jobs)
        for line in report.conflicts:
            print(f"sx: warning: {line}", file=sys.stderr)
        if args.json:
            print_json({"direction": "to", "url": cache.url,
                        "uploaded": [str(p) for p in report.uploaded],
                        "present": [str(p) for p in report.present],
                        "signaturesMerged": [str(p) for p in report.signatures_merged],
                        "realisations": report.realisations, "conflicts": report.conflicts})
        print(f"copied {len(report.uploaded)} paths to {cache.url} "
              f"({len(report.present)} already there, signatures added to "
              f"{len(report.signatures_merged)}, {report.realisations} realisations)",
              file=sys.stderr)
        return 0
    cache = open_cache(args.source)
    paths = parse_remote_paths(store, args.paths, "copy")
    policy = None if args.no_check_sigs else _policy(store.root, args)
    if policy is None and not args.no_check_sigs:
        raise Untrusted(f"copy from {cache.url}: no trusted-public-keys configured "
                        "(set them in the config file, or pass --no-check-sigs)")
    result = copy_from(store, cache, paths, policy, max(jobs, 4))
    if args.json:
        print_json({"direction": "from", "url": cache.url,
                    "fetched": [str(i.path) for i in result.fetched]})
    print(f"copied {len(result.fetched)} paths from {cache.url}", file=sys.stderr)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve a cache directory until interrupted."""
    token = args.upload_token
    if args.token_file:
        token = read_token(args.token_file)
    if token is not None and not token:
        raise InvalidInput("serve: the upload token is empty")
    # Imported here: only serve needs the HTTP server stack.
    from sx.store.cache.server import CacheApp
    from sx.store.cache.serving import IDLE_TIMEOUT, listen, serve

    idle = IDLE_TIMEOUT if args.idle_timeout is None else args.idle_timeout
    if idle <= 0:
        raise InvalidInput(f"serve: --idle-timeout {idle:g}: must be positive")
    root = os.path.abspath(args.dir)
    try:
        os.makedirs(root, exist_ok=True)
    except OSError as e:
        raise InvalidInput(f"serve {root}: {e.strerror}") from e
    # A request body that sends nothing for six idle timeouts (30 s by default) is dropped.
    app = CacheApp(root, token, args.verbose, stall=6 * idle)
    listening = listen(root, args.host, args.port)
    mode = "uploads allowed with the token" if token else "read-only"

    def ready(urls: list[str]) -> None:
        print(f"serving {root} at {' and '.join(urls)} ({mode})", flush=True)

    try:
        serve(app, listening, idle, ready)
    except KeyboardInterrupt:
        pass
    return 0


# ---- verify and challenge -----------------------------------------------------------


def _report_json(rep: SigReport) -> dict[str, Any]:
    return {"what": rep.what, "signatures": [{"name": st.name, "status": st.status}
                                             for st in rep.statuses],
            "signers": list(rep.signers), "trusted": rep.trusted}


def _print_report(rep: SigReport, policy: TrustPolicy | None) -> None:
    print(rep.what)
    for st in rep.statuses:
        print(f"  {st.name:<24} {st.status}")
    if not rep.statuses:
        print("  (no signatures)")
    if policy is not None:
        verdict = "trusted" if rep.trusted else "NOT trusted"
        print(f"  {verdict}: {len(rep.signers)} of {policy.required} required distinct "
              f"trusted signers")


def _infos_from(url: str, paths: list[StorePath]) -> list[PathInfo]:
    cache = open_cache(url)
    _require_cache(cache, "verify")
    out = []
    for p in paths:
        data = cache.get_bytes(info_key(p))
        if data is None:
            raise NotFound(f"verify {p}: not in {cache.url}")
        out.append(CachedPath.decode(data, p, cache.url).info)
    return out


def _require_cache(cache: Cache, verb: str) -> None:
    """Refuse a URL where there is no cache at all (a typo must not read as "empty")."""
    if read_cache_info(cache) is not None:
        return
    try:
        empty = not cache.keys("info/")
    except CacheError:
        return  # a backend that cannot list: only its answers can tell
    if empty:
        raise NotFound(f"{verb} {cache.url}: no cache there (no sx-cache-info and no paths)")


def cmd_verify(args: argparse.Namespace) -> int:
    """Check contents (local paths) and report signatures.

    Exit 1 when contents changed, 5 when signatures do not meet the policy.
    """
    store = open_store(args)
    policy = _policy(store.root, args)
    if args.source:
        infos = _infos_from(args.source, parse_remote_paths(store, args.paths, "verify"))
    else:
        paths = resolve_paths(store, args.paths, no_build=args.no_build)
        infos = (store.closure_infos(paths) if args.closure
                 else [store.require(p) for p in paths])
    changed = untrusted = False
    docs: list[dict[str, Any]] = []
    for info in infos:
        doc: dict[str, Any] = {"path": str(info.path), "ok": True}
        docs.append(doc)
        if not args.source and not _contents_ok(store, info, args.json):
            changed = True
            doc["ok"] = False
            continue
        if not args.sigs:
            if not args.json:
                print(f"{info.path}: ok")
            continue
        reports = [report_path(info, policy)]
        if not args.source:
            reports += [report_realisation(r, policy) for r in realisations_of(store, [info.path])]
        doc["reports"] = [_report_json(r) for r in reports]
        for rep in reports:
            if not args.json:
                _print_report(rep, policy)
            untrusted = untrusted or rep.trusted is False
    if args.json:
        print_json(docs)
    return BAD_INPUT if changed else NOT_TRUSTED if untrusted else 0


def _contents_ok(store: LocalStore, info: PathInfo, quiet: bool) -> bool:
    got, size = nar.hash_path(store.real_path(info.path))
    if got == info.nar_hash and size == info.nar_size:
        return True
    if not quiet:
        print(f"{info.path}: contents changed: archive hash {got}, recorded {info.nar_hash}")
    return False


def _print_verdict(v: Verdict) -> None:
    label = {"agree": "agree", "differ": "DIFFER", "single": "only one"}[v.status]
    print(f"{label:<9} {v.id}")
    for a in v.answers:
        if a.path is None:
            print(f"    {a.url}: error: {a.error}")
            continue
        who = ", ".join(a.signers) or "no trusted signer"
        extra = f" (not counted: {', '.join(a.others)})" if a.others else ""
        print(f"    {a.url}: {a.path}  signed by {who}{extra}")


def _verdict_json(v: Verdict) -> dict[str, Any]:
    return {"id": v.id, "status": v.status,
            "answers": [{"url": a.url, "path": str(a.path) if a.path else None,
                         "signers": list(a.signers), "others": list(a.others),
                         "error": a.error} for a in v.answers]}


def cmd_challenge(args: argparse.Namespace) -> int:
    """Compare realisations across caches; exit 1 when any differ."""
    policy = _policy(os.path.abspath(getattr(args, "root", None) or default_root()), args)
    caches = [open_cache(u) for u in args.urls]
    for cache in caches:
        _require_cache(cache, "challenge")
    verdicts = trio.run(challenge, caches, policy)
    counts = {"agree": 0, "differ": 0, "single": 0}
    shown = []
    for v in verdicts:
        counts[v.status] += 1
        if v.status == "differ" or not args.only_differences:
            shown.append(v)
    if args.json:
        print_json({"counts": counts, "verdicts": [_verdict_json(v) for v in shown]})
    else:
        for v in shown:
            _print_verdict(v)
    print(f"{counts['agree']} agree, {counts['differ']} differ, {counts['single']} held by "
          f"one cache only", file=sys.stderr)
    return 1 if counts["differ"] else 0


# ---- cache info -------------------------------------------------------------------


def _count(cache: Cache, prefix: str) -> int | None:
    """How many keys start with ``prefix``; None when the backend cannot list."""
    try:
        return len(cache.keys(prefix))
    except CacheError:
        return None


def cmd_cache_info(args: argparse.Namespace) -> int:
    """Print a cache's store dir, priority, format and how many paths and realisations it holds."""
    cache = open_cache(args.url)
    info = read_cache_info(cache)
    shown = info or CacheInfo()
    data = {"url": cache.url, "storeDir": shown.store_dir, "priority": shown.priority,
            "format": shown.format, "initialised": info is not None,
            "paths": _count(cache, "info/"), "realisations": _count(cache, "realisations/")}
    if args.json:
        print_json(data)
        return 0
    note = "" if info is not None else " (no sx-cache-info yet: the defaults)"
    print(f"URL:          {cache.url}")
    print(f"Store dir:    {shown.store_dir}{note}")
    print(f"Priority:     {shown.priority}")
    print(f"Format:       {shown.format}")
    for label, key in (("Paths:", "paths"), ("Realisations:", "realisations")):
        n = data[key]
        print(f"{label:<13} {n if n is not None else 'unknown (the cache cannot list)'}")
    return 0
