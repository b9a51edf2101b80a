"""A cached result arrives as its runtime closure, and nothing else, from every backend.

Four sandboxed levels: ``noise`` (24 MB of deterministic pseudo-random
text) and ``toolchain`` (24 MB made from it) are needed only to build;
``lib`` (4 KiB cut from the toolchain) is referred to by ``app``, the
small result. One store builds and signs everything and uploads it all
(build-time outputs included) to a file cache, ``sx serve`` and an OCI
registry on 127.0.0.1. A fresh store then realizes ``app`` with ``sx
realize --json``: no build, and exactly ``{app, lib}`` arrive (by path,
and by bytes: the compressed archives of those two, which for ``sx serve``
its request log confirms). With ``lib`` removed from the cache, only
``lib`` is built (from the fetched toolchain); ``noise`` is never fetched.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cache_helpers import TOKEN, Registry, Served, sx_cmd
from sx.derivations.examples import busybox_tree
from sx.store.cache import Cache, open_cache
from sx.store.cache.layout import CachedPath, info_key, realisation_key
from sx.store.local import LocalStore
from sx.store.path import StorePath

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

RECIPE = '''
from sx.derivations.model import Source, derivation

bb = Source({bb!r}, "busybox")
B = f"{{bb}}/bin/busybox"


def step(name, script, inputs=()):
    return derivation(name, f"{{bb}}/bin/sh", ["-c", script], inputs=list(inputs), srcs=[bb])


noise = step("noise", B + " awk 'BEGIN {{ srand(7); for (i = 0; i < 1500000; i++) "
             "printf \\"%08x%08x\\", int(rand() * 4294967296), int(rand() * 4294967296) }}'"
             " > $out")
toolchain = step("toolchain", f"{{B}} tr 0-9a-f a-f0-9 < {{noise.out}} > $out", [noise])
lib = step("lib", f"{{B}} mkdir $out && {{B}} head -c 4096 {{toolchain.out}} > $out/lib.a",
           [toolchain])
app = step("app", f"{{B}} mkdir $out && echo 'links {{lib.out}}/lib.a' > $out/app", [lib])
'''
LEVELS = ["noise", "toolchain", "lib", "app"]


@dataclass
class Built:
    """The publishing store, the recipe, the outputs by level, the signer's public key."""

    root: Path
    recipe: Path
    outputs: dict[str, StorePath]
    public: str
    bb: str

    def sx(self, root: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SX_")}
        env["SX_UPLOAD_TOKEN"] = TOKEN
        return subprocess.run(sx_cmd("--root", str(root), *args), capture_output=True,
                              text=True, timeout=timeout, env=env, check=False)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Everything built once and signed by alice."""
    base = tmp_path_factory.mktemp("e2e")
    bb = busybox_tree(str(base / "bb"), "/bin/busybox").local
    recipe = base / "recipe.py"
    recipe.write_text(RECIPE.format(bb=bb))
    b = Built(base / "a", recipe, {}, "", bb)
    out = b.sx(b.root, "realize", "-q", *(f"{recipe}:{n}" for n in LEVELS))
    assert out.returncode == 0, out.stderr
    b.outputs = {n: StorePath.parse(p) for n, p in zip(LEVELS, out.stdout.split(), strict=True)}
    b.public = b.sx(b.root, "key", "generate", "--name", "alice", "-o",
                    str(base / "alice.sec")).stdout.strip()
    signed = b.sx(b.root, "sign", "--key", str(base / "alice.sec"),
                  *map(str, b.outputs.values()))
    assert signed.returncode == 0, signed.stderr
    store = LocalStore(str(b.root))
    sizes = {n: store.require(p).nar_size for n, p in b.outputs.items()}
    assert sizes["noise"] == sizes["toolchain"] > 20 << 20  # large build-time inputs
    assert sizes["app"] < 1024 and sizes["lib"] < 8192  # a small result
    assert store.require(b.outputs["app"]).references == (b.outputs["lib"],)
    return b


@dataclass
class Backend:
    """A cache of one kind: its URL, and how to make it forget keys."""

    url: str
    forget: object
    log: Path | None = None


def _forget_file(root: Path) -> object:
    def forget(keys: list[str]) -> None:
        for k in keys:
            (root / k).unlink()
    return forget


def _forget_oci(reg: Registry, repo: str) -> object:
    from sx.store.cache.oci import MANIFEST, key_to_tag

    def forget(keys: list[str]) -> None:
        for k in keys:
            base = f"http://{reg.host}/v2/{repo}/manifests/"
            head = urllib.request.Request(base + key_to_tag(k), method="HEAD",
                                          headers={"Accept": MANIFEST})
            with urllib.request.urlopen(head, timeout=10) as r:
                digest = r.headers["Docker-Content-Digest"]
            req = urllib.request.Request(base + digest, method="DELETE")
            with urllib.request.urlopen(req, timeout=10) as r:
                assert r.status == 202
    return forget


@pytest.fixture(params=["file", "http", pytest.param("oci", marks=pytest.mark.oci)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """An empty cache of each kind."""
    if request.param == "file":
        yield Backend(f"file://{tmp_path / 'cache'}", _forget_file(tmp_path / "cache"))
    elif request.param == "http":
        log = tmp_path / "serve.log"
        s = Served(tmp_path / "served", TOKEN, log=log)
        yield Backend(s.url, _forget_file(tmp_path / "served"), log)
        s.stop()
    else:
        r = Registry(tmp_path / "registry")
        yield Backend(f"oci://{r.host}/sx/e2e", _forget_oci(r, "sx/e2e"))
        r.stop()


def _archive_sizes(cache: Cache, paths: list[StorePath]) -> dict[str, int]:
    """Archive key -> compressed size, from the cache's records of ``paths``."""
    out = {}
    for p in paths:
        data = cache.get_bytes(info_key(p))
        assert data is not None
        rec = CachedPath.decode(data, p, cache.url)
        out[rec.archive_key] = rec.file_size
    return out


def _served_archives(log: Path) -> list[str]:
    return re.findall(r" GET /(nar/[0-9a-f]{64}\.nar\.zst) 200$", log.read_text(), re.M)


def _fresh(built: Built, root: Path, url: str) -> dict[str, object]:
    out = built.sx(root, "realize", "--json", "--substituters", url,
                   "--trusted-public-keys", built.public, f"{built.recipe}:app")
    assert out.returncode == 0, out.stderr
    result: dict[str, object] = json.loads(out.stdout)
    return result


def test_a_fresh_store_fetches_exactly_the_runtime_closure(
        built: Built, backend: Backend, tmp_path: Path) -> None:
    up = built.sx(built.root, "copy", "--to", backend.url, *map(str, built.outputs.values()))
    assert up.returncode == 0, up.stderr
    cache = open_cache(backend.url)
    o = built.outputs
    runtime = [o["app"], o["lib"]]
    want = _archive_sizes(cache, runtime)
    if backend.log is not None:
        backend.log.write_text("")  # count the downloads of the realization only

    got = _fresh(built, tmp_path / "fresh", backend.url)
    assert got["built"] == [] and got["outputs"] == [{"out": str(o["app"])}]
    assert {f["path"] for f in got["fetched"]} == {str(p) for p in runtime}  # type: ignore
    assert got["downloaded"] == sum(want.values())
    if backend.url.startswith("file://"):
        root = Path(backend.url.removeprefix("file://"))
        assert sum(os.path.getsize(root / k) for k in want) == got["downloaded"]
    if backend.log is not None:
        assert sorted(_served_archives(backend.log)) == sorted(want)
    fresh = LocalStore(str(tmp_path / "fresh"))
    arrived = {p for p in fresh.all_paths()
               if not p.name.endswith(".drv") and p.name != "busybox"}
    assert arrived == set(runtime)

    # lib forgotten by the cache: lib alone is built, from the fetched toolchain;
    # app is then found by its resolved hash. noise is never needed.
    store = LocalStore(str(built.root))
    lib_rec = CachedPath.decode(cache.get_bytes(info_key(o["lib"])) or b"", o["lib"], "test")
    lib_keys = [r for r in store.all_realisations() if r.path == o["lib"]]
    assert len(lib_keys) == 2
    backend.forget([info_key(o["lib"]), lib_rec.archive_key,  # type: ignore[operator]
                    *(realisation_key(r.drv_hash, r.output) for r in lib_keys)])
    if backend.log is not None:
        backend.log.write_text("")
    again = _fresh(built, tmp_path / "fresh2", backend.url)
    assert again["built"] == [_drv(built, "lib")]
    assert {f["path"] for f in again["fetched"]} == {str(o["toolchain"]),  # type: ignore
                                                    str(o["app"])}
    assert again["outputs"] == [{"out": str(o["app"])}]
    fresh2 = LocalStore(str(tmp_path / "fresh2"))
    assert not fresh2.is_valid(o["noise"])
    tc = _archive_sizes(cache, [o["toolchain"], o["app"]])
    assert again["downloaded"] == sum(tc.values())
    if backend.log is not None:
        assert sorted(_served_archives(backend.log)) == sorted(tc)


def _drv(built: Built, level: str) -> str:
    out = built.sx(built.root, "show-derivation", f"{built.recipe}:{level}")
    assert out.returncode == 0, out.stderr
    drvs = [k for k in json.loads(out.stdout) if k.endswith(f"-{level}.drv")]
    assert len(drvs) == 1
    return drvs[0]


def test_an_unprivileged_user_in_a_shared_directory_fetches_the_runtime_closure(
        built: Built) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to switch to an unprivileged user")
    import shutil
    import sys
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="sx-unpriv-"))
    try:
        os.chmod(base, 0o755)  # world-searchable, as a shared /srv would be
        bb = busybox_tree(str(base / "bb"), "/bin/busybox").local
        recipe = base / "recipe.py"
        recipe.write_text(RECIPE.format(bb=bb))
        url = f"file://{base / 'cache'}"
        up = built.sx(built.root, "copy", "--to", url, *map(str, built.outputs.values()))
        assert up.returncode == 0, up.stderr
        subprocess.run(["chmod", "-R", "a+rX", str(base)], check=True)
        root = base / "root"
        root.mkdir()
        os.chown(root, 65534, 65534)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SX_")}
        env["HOME"] = str(root)
        out = subprocess.run(
            ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups",
             "--inh-caps=-all", sys.executable, "-m", "sx.cli.main", "--root", str(root),
             "realize", "--json", "--substituters", url, "--trusted-public-keys",
             built.public, f"{recipe}:app"],
            capture_output=True, text=True, timeout=300, env=env, check=False)
        assert out.returncode == 0, out.stderr
        got = json.loads(out.stdout)
        o = built.outputs
        assert got["built"] == [] and got["outputs"] == [{"out": str(o["app"])}]
        assert {f["path"] for f in got["fetched"]} == {str(o["app"]), str(o["lib"])}
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(base)], check=False)
        shutil.rmtree(base, ignore_errors=True)
