"""Binary cache commands: ``key``, ``sign``, ``copy``, ``serve``, ``verify``, ``challenge``,
``cache info``."""

from __future__ import annotations

import argparse
import json
import os
import sys

import trio
from sx.cli.cache_options import add_cache_options, cache_overrides
from sx.cli.common import open_store, parse_paths, resolve_installables
from sx.cli.errors import BAD_INPUT, NOT_TRUSTED
from sx.store import nar
from sx.store.cache import Cache, open_cache
from sx.store.cache.base import CacheError
from sx.store.cache.challenge import Verdict, challenge
from sx.store.cache.config import load_config
from sx.store.cache.copy import copy_from, copy_to, read_cache_info
from sx.store.cache.layout import CachedPath, CacheInfo, info_key
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


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the cache commands."""
    _register_key(sub)
    s = sub.add_parser("sign", help="sign path infos (and their realisations) with a secret key")
    s.add_argument("--key", required=True, metavar="FILE", help="secret key file")
    s.add_argument("-r", "--closure", action="store_true", help="sign the whole closure")
    s.add_argument("paths", nargs="+", metavar="PATH")
    s.set_defaults(func=cmd_sign)

    c = sub.add_parser("copy", help="upload closures to a cache, or download them from one")
    way = c.add_mutually_exclusive_group(required=True)
    way.add_argument("--to", metavar="URL", help="file:///dir, http://host:port, oci://host/repo")
    way.add_argument("--from", dest="source", metavar="URL", help="cache to download from")
    c.add_argument("--no-check-sigs", action="store_true",
                   help="with --from: accept paths without trusted signatures")
    c.add_argument("-j", "--jobs", type=int, default=0, help="transfers at once")
    c.add_argument("--token-file", metavar="FILE",
                   help="upload token for sx serve (default: $SX_UPLOAD_TOKEN)")
    c.add_argument("paths", nargs="+", metavar="INSTALLABLE|PATH")
    add_cache_options(c)
    c.set_defaults(func=cmd_copy)

    v = sub.add_parser("serve", help="serve a cache directory over HTTP")
    v.add_argument("dir", metavar="DIR")
    v.add_argument("--host", action="append", default=None, metavar="ADDR",
                   help="address to listen on, repeatable (default: 127.0.0.1 and ::1)")
    v.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    v.add_argument("--idle-timeout", type=float, default=None, metavar="S",
                   help="close a connection without a complete request after S seconds "
                        "(default 5)")
    tok = v.add_mutually_exclusive_group()
    tok.add_argument("--upload-token", metavar="TOKEN", help="allow uploads with this token")
    tok.add_argument("--upload-token-file", metavar="FILE", help="read the token from FILE")
    v.add_argument("-v", "--verbose", action="store_true", help="log every request")
    v.set_defaults(func=cmd_serve)

    f = sub.add_parser("verify", help="check paths' contents and, with --sigs, who signed them")
    f.add_argument("--sigs", action="store_true", help="report signatures and the trust verdict")
    f.add_argument("--from", dest="source", metavar="URL",
                   help="report the signatures of a cache's records instead")
    f.add_argument("-r", "--closure", action="store_true", help="the whole closure")
    f.add_argument("paths", nargs="+", metavar="PATH")
    add_cache_options(f)
    f.set_defaults(func=cmd_verify)

    h = sub.add_parser("challenge", help="compare the realisations several caches hold")
    h.add_argument("urls", nargs="+", metavar="URL")
    h.add_argument("--only-differences", action="store_true",
                   help="show only outputs the caches disagree on")
    add_cache_options(h)
    h.set_defaults(func=cmd_challenge)

    cache = sub.add_parser("cache", help="look at a binary cache")
    cs = cache.add_subparsers(dest="cache_command", metavar="SUBCOMMAND", required=True)
    i = cs.add_parser("info", help="what a cache holds: store dir, priority, path count")
    i.add_argument("url", metavar="URL")
    i.add_argument("--json", action="store_true", help="print as JSON")
    i.set_defaults(func=cmd_cache_info)


def _register_key(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    k = sub.add_parser("key", help="manage signing keys")
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
    paths = parse_paths(store, args.paths)
    if args.closure:
        paths = sorted(store.closure(paths))
    done = sign_paths(store, key, paths)
    print(f"signed {done.paths} paths and {done.realisations} realisations as {key.name}",
          file=sys.stderr)
    return 0


# ---- copy and serve -----------------------------------------------------------------


def _token(args: argparse.Namespace) -> str | None:
    if not args.token_file:
        return None
    try:
        with open(args.token_file, encoding="utf-8") as f:
            return f.read().strip()
    except OSError as e:
        raise InvalidInput(f"read token {args.token_file}: {e.strerror}") from e


def _policy(root: str, args: argparse.Namespace) -> TrustPolicy | None:
    """The configured trust policy, with the command's overrides (None: no trusted keys)."""
    cfg = load_config(root, cache_overrides(args))
    return cfg.policy() if cfg.trusted_keys else None


def cmd_copy(args: argparse.Namespace) -> int:
    """Upload or download closures."""
    store = open_store(args)
    jobs = args.jobs if args.jobs > 0 else (os.cpu_count() or 2)
    if args.to:
        cache = open_cache(args.to, _token(args))
        roots = _roots(store, args.paths)
        report = copy_to(store, cache, roots, jobs)
        for line in report.conflicts:
            print(f"sx: warning: {line}", file=sys.stderr)
        print(f"copied {len(report.uploaded)} paths to {cache.url} "
              f"({len(report.present)} already there, signatures added to "
              f"{len(report.signatures_merged)}, {report.realisations} realisations)",
              file=sys.stderr)
        return 0
    cache = open_cache(args.source)
    paths = [StorePath.split(p if not p.startswith(store.store_dir) else store.to_logical(p))[0]
             for p in args.paths]
    policy = None if args.no_check_sigs else _policy(store.root, args)
    if policy is None and not args.no_check_sigs:
        raise Untrusted(f"copy from {cache.url}: no trusted-public-keys configured "
                        "(set them in the config file, or pass --no-check-sigs)")
    result = copy_from(store, cache, paths, policy, max(jobs, 4))
    print(f"copied {len(result.fetched)} paths from {cache.url}", file=sys.stderr)
    return 0


def _roots(store: LocalStore, texts: list[str]) -> list[StorePath]:
    """Store paths as they are; anything else is an installable to resolve (and realize)."""
    if all(t.startswith(("/sx/store/", store.store_dir + "/")) for t in texts):
        return parse_paths(store, texts)
    return resolve_installables(store, texts)


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve a cache directory until interrupted."""
    token = args.upload_token
    if args.upload_token_file:
        token = _token(argparse.Namespace(token_file=args.upload_token_file))
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
    out = []
    for p in paths:
        data = cache.get_bytes(info_key(p))
        if data is None:
            raise NotFound(f"verify {p}: not in {cache.url}")
        out.append(CachedPath.decode(data, p, cache.url).info)
    return out


def cmd_verify(args: argparse.Namespace) -> int:
    """Check contents (local paths) and report signatures.

    Exit 1 when contents changed, 5 when signatures do not meet the policy.
    """
    store = open_store(args)
    policy = _policy(store.root, args)
    if args.source:
        infos = _infos_from(args.source, [StorePath.split(p)[0] for p in args.paths])
    else:
        paths = parse_paths(store, args.paths)
        infos = (store.closure_infos(paths) if args.closure
                 else [store.require(p) for p in paths])
    changed = untrusted = False
    for info in infos:
        if not args.source and not _contents_ok(store, info):
            changed = True
            continue
        if not args.sigs:
            print(f"{info.path}: ok")
            continue
        reports = [report_path(info, policy)]
        if not args.source:
            reports += [report_realisation(r, policy) for r in realisations_of(store, [info.path])]
        for rep in reports:
            _print_report(rep, policy)
            untrusted = untrusted or rep.trusted is False
    return BAD_INPUT if changed else NOT_TRUSTED if untrusted else 0


def _contents_ok(store: LocalStore, info: PathInfo) -> bool:
    got, size = nar.hash_path(store.real_path(info.path))
    if got == info.nar_hash and size == info.nar_size:
        return True
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


def cmd_challenge(args: argparse.Namespace) -> int:
    """Compare realisations across caches; exit 1 when any differ."""
    policy = _policy(os.path.abspath(args.root or default_root()), args)
    caches = [open_cache(u) for u in args.urls]
    verdicts = trio.run(challenge, caches, policy)
    counts = {"agree": 0, "differ": 0, "single": 0}
    for v in verdicts:
        counts[v.status] += 1
        if v.status == "differ" or not args.only_differences:
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
        print(json.dumps(data, indent=2))
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
