"""The cache commands end to end: key, sign, verify --sigs, copy, serve, challenge."""

from __future__ import annotations

import os
from pathlib import Path

from cache_helpers import TOKEN, Closure, RunSx, Served, add_realisation, make_closure
from sx.store.cache import open_cache
from sx.store.cache.layout import CachedPath, info_key
from sx.store.cache.signing import PublicKey, SecretKey, load_secret_key
from sx.store.fsutil import make_writable
from sx.store.hashing import Digest
from sx.store.local import LocalStore


def _conf(root: str, keys: list[PublicKey], k: int, subs: tuple[str, ...] = ()) -> None:
    os.makedirs(os.path.join(root, "etc"), exist_ok=True)
    with open(os.path.join(root, "etc", "sx.conf"), "w") as f:
        f.write(f"substituters = {list(subs)!r}\n".replace("'", '"'))
        f.write(f"trusted-public-keys = {[str(x) for x in keys]!r}\n".replace("'", '"'))
        f.write(f"required-signatures = {k}\n")


def _keyfile(sx: RunSx, tmp_path: Path, name: str) -> tuple[str, SecretKey]:
    path = str(tmp_path / f"{name}.sec")
    r = sx("key", "generate", "--name", name, "-o", path)
    assert r.returncode == 0, r.stderr
    key = load_secret_key(path)
    assert r.stdout.strip() == str(key.public())
    return path, key


def test_key_generate_and_public(sx: RunSx, tmp_path: Path) -> None:
    r = sx("key", "generate", "--name", "ci-1")
    assert r.returncode == 0
    key = SecretKey.parse(r.stdout)
    (tmp_path / "k").write_text(r.stdout)
    assert sx("key", "public", str(tmp_path / "k")).stdout.strip() == str(key.public())
    bad = sx("key", "generate", "--name", "no spaces")
    assert bad.returncode == 1 and bad.stderr.startswith("sx: parse key name")
    path, _ = _keyfile(sx, tmp_path, "x")
    again = sx("key", "generate", "--name", "x", "-o", path)
    assert again.returncode == 1 and "exists" in again.stderr


def test_sign_and_verify_sigs(sx: RunSx, tmp_path: Path, store: LocalStore,
                              closure: Closure) -> None:
    alice_file, alice = _keyfile(sx, tmp_path, "alice")
    bob_file, bob = _keyfile(sx, tmp_path, "bob")
    add_realisation(store, closure.top)
    root = store.root
    r = sx("--root", root, "sign", "--key", alice_file, "-r", str(closure.top))
    assert r.returncode == 0 and "signed 3 paths and 1 realisations as alice" in r.stderr
    _conf(root, [alice.public(), bob.public()], 2)
    r = sx("--root", root, "verify", "--sigs", str(closure.top))
    assert r.returncode == 5
    assert "alice" in r.stdout and "valid" in r.stdout
    assert "NOT trusted: 1 of 2 required distinct trusted signers" in r.stdout
    assert f"realisation {Digest.b3(b'a resolved derivation')}!out -> {closure.top}" in r.stdout
    sx("--root", root, "sign", "--key", bob_file, str(closure.top))
    r = sx("--root", root, "verify", "--sigs", str(closure.top))
    assert r.returncode == 0, r.stdout
    assert r.stdout.count("trusted: 2 of 2 required") == 2
    r = sx("--root", root, "verify", "--sigs", "-r", str(closure.top))
    assert r.returncode == 5  # lib and mid lack bob's signature


def test_verify_reports_changed_contents(sx: RunSx, store: LocalStore,
                                         closure: Closure) -> None:
    r = sx("--root", store.root, "verify", str(closure.lib))
    assert r.returncode == 0 and r.stdout.strip() == f"{closure.lib}: ok"
    real = store.real_path(closure.lib)
    make_writable(real)
    with open(os.path.join(real, "data.txt"), "a") as f:
        f.write("changed")
    r = sx("--root", store.root, "verify", str(closure.lib))
    assert r.returncode == 1 and "contents changed" in r.stdout


def test_copy_through_sx_serve(sx: RunSx, tmp_path: Path, store: LocalStore,
                               store2: LocalStore, closure: Closure,
                               keys: dict[str, SecretKey]) -> None:
    served = Served(tmp_path / "served", TOKEN)
    try:
        key_file = tmp_path / "alice.sec"
        key_file.write_text(str(keys["alice"]))
        sx("--root", store.root, "sign", "--key", str(key_file), "-r", str(closure.top))
        no_token = sx("--root", store.root, "copy", "--to", served.url, str(closure.top))
        assert no_token.returncode == 3 and "wrong or missing upload token" in no_token.stderr
        token_file = tmp_path / "token"
        token_file.write_text(TOKEN + "\n")
        up = sx("--root", store.root, "copy", "--to", served.url, "--token-file",
                str(token_file), str(closure.top))
        assert up.returncode == 0, up.stderr
        assert f"copied 3 paths to {served.url}" in up.stderr
        untrusting = sx("--root", store2.root, "copy", "--from", served.url, str(closure.top))
        assert untrusting.returncode == 5
        assert "no trusted-public-keys configured" in untrusting.stderr
        _conf(store2.root, [keys["alice"].public(), keys["bob"].public()], 2)
        short = sx("--root", store2.root, "copy", "--from", served.url, str(closure.top))
        assert short.returncode == 5 and short.stderr.count("\n") == 1
        assert short.stderr.startswith("sx: trust ")
        assert store2.all_paths() == []
        _conf(store2.root, [keys["alice"].public()], 1)
        down = sx("--root", store2.root, "copy", "--from", served.url, str(closure.top))
        assert down.returncode == 0, down.stderr
        assert sorted(store2.all_paths()) == sorted(closure.all)
    finally:
        served.stop()


def test_copy_rejects_damage_with_one_line(sx: RunSx, tmp_path: Path, store: LocalStore,
                                           store2: LocalStore, closure: Closure,
                                           keys: dict[str, SecretKey]) -> None:
    url = f"file://{tmp_path / 'cache'}"
    key_file = tmp_path / "alice.sec"
    key_file.write_text(str(keys["alice"]))
    sx("--root", store.root, "sign", "--key", str(key_file), "-r", str(closure.top))
    assert sx("--root", store.root, "copy", "--to", url, str(closure.top)).returncode == 0
    data = open_cache(url).get_bytes(info_key(closure.top))
    assert data is not None
    rec = CachedPath.decode(data, closure.top, url)
    archive = tmp_path / "cache" / rec.archive_key
    archive.write_bytes(archive.read_bytes()[:-40])
    _conf(store2.root, [keys["alice"].public()], 1)
    r = sx("--root", store2.root, "copy", "--from", url, str(closure.top))
    assert r.returncode == 1 and r.stderr.count("\n") == 1
    assert r.stderr.startswith("sx: ") and str(closure.top) in r.stderr
    assert store2.all_paths() == []
    ok = sx("--root", store2.root, "copy", "--from", url, "--no-check-sigs", str(closure.mid))
    assert ok.returncode == 0, ok.stderr


def test_serve_says_what_it_serves(tmp_path: Path) -> None:
    for token, mode in ((None, "(read-only)"), (TOKEN, "(uploads allowed with the token)")):
        s = Served(tmp_path / "dir", token)
        s.stop()
        assert s.banner.startswith(f"serving {tmp_path / 'dir'} at http://127.0.0.1:")
        assert s.banner.endswith(mode)


def test_challenge(sx: RunSx, tmp_path: Path, store: LocalStore, closure: Closure,
                   keys: dict[str, SecretKey]) -> None:
    drv = Digest.b3(b"a resolved derivation")
    lonely = Digest.b3(b"only in a")
    urls = [f"file://{tmp_path / n}" for n in ("a", "b", "c")]
    # a: alice's build; b: bob's identical rebuild; c: carol got other bytes.
    for url, who, extra in ((urls[0], "alice", ""), (urls[1], "bob", ""),
                            (urls[2], "carol", " differently")):
        s = LocalStore(str(tmp_path / f"store-{who}"))
        c = make_closure(s, tmp_path / f"src-{who}", extra)
        add_realisation(s, c.top, drv)
        if who == "alice":
            add_realisation(s, c.lib, lonely)
        kf = tmp_path / f"{who}.sec"
        kf.write_text(str(keys[who]))
        assert sx("--root", s.root, "sign", "--key", str(kf), "-r", str(c.top)).returncode == 0
        assert sx("--root", s.root, "copy", "--to", url, str(c.top)).returncode == 0
    _conf(store.root, [keys[n].public() for n in ("alice", "bob", "carol")], 1)
    agree = sx("--root", store.root, "challenge", urls[0], urls[1])
    assert agree.returncode == 0, agree.stderr
    assert f"agree     {drv}!out" in agree.stdout
    assert f"only one  {lonely}!out" in agree.stdout
    assert "signed by alice" in agree.stdout and "signed by bob" in agree.stdout
    differ = sx("--root", store.root, "challenge", "--only-differences", *urls)
    assert differ.returncode == 1
    assert f"DIFFER    {drv}!out" in differ.stdout and "only one" not in differ.stdout
    assert "1 differ" in differ.stderr
    assert str(closure.top) in differ.stdout  # the path alice and bob agree on


def test_copy_an_installable_and_verify_a_cache(sx: RunSx, tmp_path: Path,
                                                keys: dict[str, SecretKey]) -> None:
    root, url = str(tmp_path / "r"), f"file://{tmp_path / 'cache'}"
    up = sx("--root", root, "copy", "--to", url, "sx.derivations.examples:hello_script")
    assert up.returncode == 0, up.stderr
    # Each derivation has a resolved and a derivation realisation (docs/cache.md).
    assert "copied 2 paths" in up.stderr and "4 realisations" in up.stderr
    path = sx("--root", root, "realize", "-q", "sx.derivations.examples:hello_script"
              ).stdout.strip()
    _conf(root, [keys["alice"].public()], 1)
    r = sx("--root", root, "verify", "--sigs", "--from", url, path)
    assert r.returncode == 5 and "(no signatures)" in r.stdout and "NOT trusted" in r.stdout
    missing = sx("--root", root, "verify", "--sigs", "--from", url, "/sx/store/" + "0" * 32 + "-x")
    assert missing.returncode == 1 and f"not in {url}" in missing.stderr


def test_cli_input_errors(sx: RunSx, tmp_path: Path, store: LocalStore,
                          closure: Closure) -> None:
    root = store.root
    nowhere = "/sx/store/" + "0" * 32 + "-nowhere"
    cases = [
        (("copy", "--to", f"file://{tmp_path / 'c'}", nowhere), "not a valid path"),
        (("copy", "--to", "ftp://x/y", str(closure.top)), "unknown scheme"),
        (("copy", "--to", "file://relative", str(closure.top)), "expected file:///absolute"),
        (("copy", "--to", "oci://127.0.0.1:1/UPPER", str(closure.top)), "lower-case"),
        (("sign", "--key", str(tmp_path / "none"), str(closure.top)), "read secret key"),
        (("copy", "--from", f"file://{tmp_path / 'c'}", "--no-check-sigs", nowhere),
         "not in the cache"),
    ]
    for args, cause in cases:
        r = sx("--root", root, *args)
        assert r.returncode == 1, (args, r.stderr)
        assert r.stderr.startswith("sx: ") and cause in r.stderr and r.stderr.count("\n") == 1
