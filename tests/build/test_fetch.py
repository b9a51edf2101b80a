"""Builtins: fetchurl (file, http, Debian mirrors from the apt config), unpack, write."""

from __future__ import annotations

import contextlib
import http.server
import io
import os
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from build_helpers import Shell, build, leftovers, read
from sx.derivations.build.errors import BuildError
from sx.derivations.build.fetch import debian_mirrors, expand_url
from sx.derivations.build.scheduler import Outcome
from sx.derivations.model import BUILTIN_UNPACK, BUILTIN_WRITE, Derivation, derivation, fetchurl
from sx.store.errors import HashMismatch
from sx.store.hashing import Digest
from sx.store.local import LocalStore

PAYLOAD = b"payload bytes\n" * 100


@contextlib.contextmanager
def _serving(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    """Run an HTTP server with ``handler`` on 127.0.0.1; yields its base URL."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        t.join(5)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An HTTP server on 127.0.0.1 serving ``tmp_path/www``."""
    root = tmp_path / "www"
    root.mkdir()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a: object, **kw: object) -> None:
            super().__init__(*a, directory=str(root), **kw)  # type: ignore[arg-type]

        def log_message(self, *args: object) -> None:
            pass

    with _serving(Handler) as url:
        yield url, root


def test_fetch_file_url(store: LocalStore, tmp_path: Path) -> None:
    f = tmp_path / "x"
    f.write_bytes(PAYLOAD)
    drv = fetchurl("x", f"file://{f}", [Digest.sha256(PAYLOAD)])
    path = build(store, drv, allowed_files=(str(f),)).outputs[0]["out"]
    assert Path(store.real_path(path)).read_bytes() == PAYLOAD


def test_fetch_http_tries_urls_in_order(store: LocalStore,
                                        server: tuple[str, Path]) -> None:
    url, root = server
    (root / "good").write_bytes(PAYLOAD)
    (root / "wrong").write_bytes(b"not it")
    drv = fetchurl("x", [f"{url}/missing", f"{url}/wrong", f"{url}/good"],
                   [Digest.b3(PAYLOAD)])
    path = build(store, drv).outputs[0]["out"]
    assert Path(store.real_path(path)).read_bytes() == PAYLOAD
    from sx.derivations.build.logs import read_log

    log = (read_log(store.logs, drv.drv_path) or b"").decode()
    assert "HTTP 404" in log and "expected b3:" in log


def test_fetch_http_error_is_clear(store: LocalStore, server: tuple[str, Path]) -> None:
    url, _ = server
    drv = fetchurl("x", f"{url}/nothing-here", [Digest.b3(PAYLOAD)])
    with pytest.raises(BuildError, match="HTTP 404"):
        build(store, drv)
    assert leftovers(store) == []


@pytest.fixture
def flaky() -> Iterator[tuple[str, list[str]]]:
    """A server on 127.0.0.1 whose paths fail in scripted ways; it records each request.

    ``/503-N`` answers 503 to the first N requests, ``/cut-N`` sends half the
    body and closes the connection N times, ``/404`` always answers 404; then
    (or otherwise) the payload.
    """
    seen: list[str] = []
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with lock:
                seen.append(self.path)
                n = seen.count(self.path)
            kind, _, times = self.path.strip("/").partition("-")
            if kind == "404":
                self.send_error(404)
            elif kind == "503" and n <= int(times):
                self.send_error(503)
            elif kind == "cut" and n <= int(times):
                self.send_response(200)
                self.send_header("Content-Length", str(len(PAYLOAD)))
                self.end_headers()
                self.wfile.write(PAYLOAD[: len(PAYLOAD) // 2])
                self.wfile.flush()
                self.close_connection = True
            else:
                self.send_response(200)
                self.send_header("Content-Length", str(len(PAYLOAD)))
                self.end_headers()
                self.wfile.write(PAYLOAD)

        def log_message(self, *args: object) -> None:
            pass

    with _serving(Handler) as url:
        yield url, seen


@pytest.mark.parametrize("path", ["/503-2", "/cut-1"])
def test_fetch_retries_transient_failures(store: LocalStore, flaky: tuple[str, list[str]],
                                          monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    from sx.derivations.build import fetch
    from sx.derivations.build.logs import read_log

    monkeypatch.setattr(fetch, "RETRY_DELAY", 0.1)
    url, seen = flaky
    drv = fetchurl("x", f"{url}{path}", [Digest.b3(PAYLOAD)])
    out = build(store, drv).outputs[0]["out"]
    assert Path(store.real_path(out)).read_bytes() == PAYLOAD
    tries = 3 if path == "/503-2" else 2
    assert seen == [path] * tries
    log = (read_log(store.logs, drv.drv_path) or b"").decode()
    assert log.count("trying again") == tries - 1
    assert ("HTTP 503" in log) if path == "/503-2" else ("closed" in log or "Incomplete" in log)


def test_fetch_gives_up_after_the_last_attempt_and_never_retries_a_404(
        store: LocalStore, flaky: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch) -> None:
    from sx.derivations.build import fetch

    monkeypatch.setattr(fetch, "RETRY_DELAY", 0.1)
    url, seen = flaky
    with pytest.raises(BuildError, match="HTTP 503"):
        build(store, fetchurl("x", f"{url}/503-9", [Digest.b3(PAYLOAD)]))
    assert seen == ["/503-9"] * fetch.ATTEMPTS
    seen.clear()
    with pytest.raises(BuildError, match="HTTP 404"):
        build(store, fetchurl("y", f"{url}/404", [Digest.b3(PAYLOAD)]))
    assert seen == ["/404"]
    assert leftovers(store) == []


def test_fetch_mismatch_names_expected_and_actual(store: LocalStore,
                                                  server: tuple[str, Path]) -> None:
    url, root = server
    (root / "f").write_bytes(PAYLOAD)
    want = Digest.sha256(b"something else")
    drv = fetchurl("x", f"{url}/f", [Digest.b3(PAYLOAD), want])
    with pytest.raises(BuildError) as e:
        build(store, drv)
    assert isinstance(e.value.__cause__, HashMismatch)
    assert f"flat hash {Digest.sha256(PAYLOAD)}, expected {want}" in str(e.value)
    assert [p for p in store.all_paths() if not p.is_derivation] == []


def test_unknown_scheme_and_mirror(store: LocalStore) -> None:
    with pytest.raises(BuildError, match="unsupported URL scheme 'gopher'"):
        build(store, fetchurl("x", "gopher://host/x", [Digest.b3(b"")]))
    with pytest.raises(BuildError, match="unknown mirror"):
        expand_url("mirror://gnu/hello.tar.gz", "/etc/apt")


def _apt(dir: Path, sources: str = "", legacy: str = "") -> str:
    (dir / "sources.list.d").mkdir(parents=True)
    if sources:
        (dir / "sources.list.d" / "debian.sources").write_text(sources)
    if legacy:
        (dir / "sources.list").write_text(legacy)
    return str(dir)


def test_debian_mirrors_from_deb822_and_legacy_files(tmp_path: Path) -> None:
    apt = _apt(tmp_path / "apt", sources=(
        "Types: deb deb-src\nURIs: http://mirror.example/debian/\n"
        "Suites: bookworm bookworm-updates\nComponents: main\n\n"
        "Types: deb\nURIs: http://security.example/debian-security\n"
        "Suites: bookworm-security\nComponents: main\n\n"
        "Types: deb\nURIs: http://off.example/debian\nSuites: bookworm\nEnabled: no\n\n"
        "Types: deb\nURIs: https://vendor.example/apt\nSuites: stable\n"),
        legacy=("# comment\ndeb [arch=amd64 signed-by=/k.gpg] http://legacy.example/debian "
                "bookworm main\ndeb http://legacy.example/debian-security "
                "bookworm-security main\n"))
    assert debian_mirrors(apt) == ["http://mirror.example/debian",
                                   "http://legacy.example/debian",
                                   "https://vendor.example/apt"]
    assert expand_url("mirror://debian/pool/main/h/hello/h.tar.gz", apt)[0] == \
        "http://mirror.example/debian/pool/main/h/hello/h.tar.gz"


def test_no_mirror_configured(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="no Debian mirror"):
        expand_url("mirror://debian/pool/x", _apt(tmp_path / "apt"))


def test_mirror_fetch_end_to_end(store: LocalStore, tmp_path: Path,
                                 server: tuple[str, Path]) -> None:
    url, root = server
    pool = root / "debian" / "pool" / "main" / "h"
    pool.mkdir(parents=True)
    (pool / "h.tar.gz").write_bytes(PAYLOAD)
    apt = _apt(tmp_path / "apt", sources=(
        f"Types: deb\nURIs: {url}/nothing\nSuites: bookworm-security\n\n"
        f"Types: deb\nURIs: {url}/debian\nSuites: bookworm\n"))
    drv = fetchurl("h.tar.gz", "mirror://debian/pool/main/h/h.tar.gz", [Digest.b3(PAYLOAD)])
    path = build(store, drv, apt_dir=apt).outputs[0]["out"]
    assert Path(store.real_path(path)).read_bytes() == PAYLOAD


# ---- unpack ---------------------------------------------------------------------------


def _tar(path: Path, members: list[tuple[str, bytes | str | None]], mode: str = "w:gz") -> None:
    """Members: (name, bytes) file, (name, None) dir, (name, 'link:target') symlink."""
    with tarfile.open(path, mode) as t:
        for name, content in members:
            info = tarfile.TarInfo(name)
            if content is None:
                info.type = tarfile.DIRTYPE
                t.addfile(info)
            elif isinstance(content, str):
                info.type = tarfile.SYMTYPE
                info.linkname = content.removeprefix("link:")
                t.addfile(info)
            else:
                info.size = len(content)
                info.mode = 0o755 if name.endswith(".sh") else 0o644
                t.addfile(info, io.BytesIO(content))


def _unpack(store: LocalStore, archive: Path, strip: bool = True) -> Derivation:
    """``builtin:unpack`` of ``archive``, fetched from a file the build is allowed to read."""
    data = archive.read_bytes()
    src = fetchurl(archive.name, f"file://{archive}", [Digest.b3(data)])
    return derivation(f"{archive.name}-unpacked", BUILTIN_UNPACK,
                      env={"src": src.out, "strip": "1" if strip else ""}, inputs=[src],
                      system="builtin")


def _unpacked(store: LocalStore, archive: Path, strip: bool = True) -> Outcome:
    return build(store, _unpack(store, archive, strip), allowed_files=(str(archive),))


@pytest.mark.parametrize("mode,suffix", [("w:gz", "tar.gz"), ("w:bz2", "tar.bz2"),
                                         ("w:xz", "tar.xz"), ("w", "tar")])
def test_unpack_tarballs_with_strip(store: LocalStore, tmp_path: Path, mode: str,
                                    suffix: str) -> None:
    a = tmp_path / f"pkg.{suffix}"
    _tar(a, [("pkg-1.0/", None), ("pkg-1.0/run.sh", b"#!/bin/sh\n"),
             ("pkg-1.0/lib/data", b"data"), ("pkg-1.0/link", "link:lib/data")], mode)
    out = store.real_path(_unpacked(store, a).outputs[0]["out"])
    assert sorted(os.listdir(out)) == ["lib", "link", "run.sh"]
    assert os.stat(os.path.join(out, "run.sh")).st_mode & 0o111
    assert os.readlink(os.path.join(out, "link")) == "lib/data"
    assert read(os.path.join(out, "lib/data")) == "data"


def test_unpack_without_strip_keeps_the_top_directory(store: LocalStore,
                                                      tmp_path: Path) -> None:
    a = tmp_path / "keep.tar.gz"
    _tar(a, [("top/f", b"x")])
    out = store.real_path(_unpacked(store, a, strip=False).outputs[0]["out"])
    assert os.listdir(out) == ["top"]


@pytest.mark.parametrize("members,why", [
    ([("../evil", b"x")], "'..'"),
    ([("/etc/evil", b"x")], "absolute member name"),
    ([("a/../../evil", b"x")], "'..'"),
    ([("d", "link:/etc"), ("d/passwd", b"x")], "a parent is not a directory"),
])
def test_unpack_refuses_unsafe_members(store: LocalStore, tmp_path: Path,
                                       members: list[tuple[str, bytes | str | None]],
                                       why: str) -> None:
    a = tmp_path / "evil.tar"
    _tar(a, members, "w")
    with pytest.raises(BuildError, match=why):
        _unpacked(store, a, strip=False)
    assert leftovers(store) == []
    assert not os.path.exists("/etc/evil")


def _ar(path: Path, members: list[tuple[str, bytes]]) -> None:
    with open(path, "wb") as f:
        f.write(b"!<arch>\n")
        for name, data in members:
            header = (f"{name + '/':<16}{0:<12}{0:<6}{0:<6}{100644:<8}{len(data):<10}".encode()
                      + b"`\n")
            f.write(header + data + (b"\n" if len(data) % 2 else b""))


def test_unpack_deb(store: LocalStore, tmp_path: Path) -> None:
    data = tmp_path / "data.tar.xz"
    _tar(data, [("./", None), ("./usr/", None), ("./usr/bin/", None),
                ("./usr/bin/tool.sh", b"#!/bin/sh\necho tool\n")], "w:xz")
    deb = tmp_path / "tool_1.0_amd64.deb"
    _ar(deb, [("debian-binary", b"2.0\n"), ("control.tar.xz", b"ignored"),
              ("data.tar.xz", data.read_bytes())])
    out = store.real_path(_unpacked(store, deb, strip=False).outputs[0]["out"])
    assert read(os.path.join(out, "usr/bin/tool.sh")) == "#!/bin/sh\necho tool\n"


def test_unpack_corrupt_archive(store: LocalStore, tmp_path: Path) -> None:
    a = tmp_path / "bad.tar.gz"
    a.write_bytes(b"\x1f\x8b\x08\x00garbage" * 10)
    with pytest.raises(BuildError, match="unpack"):
        _unpacked(store, a)


def test_unpack_src_must_be_an_input(store: LocalStore) -> None:
    drv = derivation("steal", BUILTIN_UNPACK, env={"src": "/etc/passwd"}, system="builtin")
    with pytest.raises(BuildError, match="not a store path"):
        build(store, drv)


# ---- write ----------------------------------------------------------------------------


def test_write_builtin_and_references(store: LocalStore, sh: Shell) -> None:
    dep = sh("dep", "echo dep > $out")
    drv = derivation("script", BUILTIN_WRITE, inputs=[dep], system="builtin",
                     env={"text": f"#!{sh.sh}\ncat {dep.out}\n", "executable": "1"})
    path = build(store, drv).outputs[0]["out"]
    real = store.real_path(path)
    dep_out = store.derivation_outputs(dep.drv_path)["out"]
    assert read(real) == f"#!{sh.sh}\ncat {dep_out}\n"
    assert os.stat(real).st_mode & 0o777 == 0o555
    assert store.require(path).references == (dep_out,)


def test_unknown_builtin(store: LocalStore) -> None:
    drv = derivation("odd", "builtin:teleport", system="builtin")
    with pytest.raises(BuildError, match="unknown builtin"):
        build(store, drv)


@pytest.mark.parametrize("mode,suffix", [("w:gz", "tar.gz"), ("w:bz2", "tar.bz2"),
                                         ("w:xz", "tar.xz"), ("w", "tar")])
@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_unpack_damaged_archives_fail_in_one_line(store: LocalStore, tmp_path: Path, mode: str,
                                                  suffix: str, damage: str) -> None:
    import random

    a = tmp_path / f"d.{suffix}"
    _tar(a, [(f"top/f{i}", random.Random(i).randbytes(20_000)) for i in range(20)], mode)
    data = bytearray(a.read_bytes())
    if damage == "truncate":
        data = data[: len(data) * 2 // 3]
    else:
        rng = random.Random(7)
        for _ in range(20):
            data[rng.randrange(200, len(data))] ^= 0xFF
    a.write_bytes(bytes(data))
    try:
        _unpacked(store, a)
    except BuildError as e:
        # The unpacker names the archive and the damage; never "builder failed".
        assert str(e).startswith("unpack /sx/store/"), str(e)
        assert "corrupt archive" in str(e) or "not a readable tar archive" in str(e)
    assert leftovers(store) == []
