"""An unprivileged user on a fresh machine: the README tour, then a C program of their own.

As uid 65534 (or the non-root user running the tests), with no ``--root``
(the store is ``~/.local/share/sx``): every command of the README's tour,
in its order, on the recipe of docs/recipes.md; then a recipe that builds a
C program with the bootstrapped toolchain (the static tcc against musl,
from Debian's seeds), ``sx run`` of it, ``sx shell`` into it, and its export
as an OCI image that umoci unpacks and whose program runs.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import unpriv
from sx.derivations.examples import busybox_tree

pytestmark = [pytest.mark.sandbox, pytest.mark.slow, pytest.mark.oci]

DOCS = Path(__file__).resolve().parents[2] / "docs"
README = DOCS.parent / "README.md"

HELLO_C = r"""#include <stdio.h>
int main(int argc, char **argv) {
    printf("hello, %s\n", argc > 1 ? argv[1] : "world");
    return 0;
}
"""

C_RECIPE = '''
from sx.derivations.bootstrap.toolchain import seeds
from sx.derivations.bootstrap.toolchain.musl import tcc_musl
from sx.derivations.model import Source, derivation

def hello():
    cc = tcc_musl()
    src = Source("hello.c")
    return derivation(
        "hello-c", seeds.busybox_bin(),
        ["sh", "-c", "mkdir -p $out/bin && $cc/bin/tcc -o $out/bin/hello-c $src"],
        env={"cc": cc.out, "src": str(src)}, inputs=[seeds.busybox(), cc], srcs=[src])
'''


def sx(home: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 900) -> str:
    r = unpriv.run_sx(None, home, *args, env=env, timeout=timeout)
    assert r.returncode == 0, f"sx {' '.join(args)} ({r.returncode}): {r.stderr}"
    return r.stdout


def user(home: Path, *argv: str) -> str:
    r = unpriv.run_as_user(argv, home, timeout=300)
    assert r.returncode == 0, f"{' '.join(argv)} ({r.returncode}): {r.stderr}"
    return r.stdout


def _docs_recipe() -> str:
    """The first Python block of docs/recipes.md: the worked example, as documented."""
    text = (DOCS / "recipes.md").read_text()
    return re.search(r"```python\n(.*?)```", text, re.S).group(1)  # type: ignore[union-attr]


def _tour_commands() -> list[str]:
    """The sx commands of the README's tour (its first sh block), in order."""
    block = re.search(r"## A short tour\n.*?```sh\n(.*?)```", README.read_text(), re.S)
    assert block is not None
    return [line.split("#")[0].split()[1] for line in block.group(1).splitlines()
            if line.startswith("sx ")]


@pytest.fixture
def home() -> object:
    d = unpriv.user_dir("private", "sx-tour-")
    yield d
    unpriv.remove_dir(d)


def test_the_tour_and_a_c_program_as_a_user(home: Path) -> None:
    busybox_tree(str(home / "busybox"), shutil.which("busybox") or "/bin/busybox")
    (home / "hello.py").write_text(_docs_recipe())
    (home / "src").mkdir()
    (home / "src" / "README").write_text("a tree\n")
    unpriv.give(home)
    ran = _tour(home)
    assert ran == _tour_commands(), "the README tour changed: update this test with it"
    _c_program(home)


def _tour(home: Path) -> list[str]:
    """Each line of the README's tour, in order; returns the commands run."""
    ran = []

    def step(*args: str, **kw: object) -> str:
        ran.append(args[0])
        return sx(home, *args, **kw)  # type: ignore[arg-type]

    src = step("store", "add", "./src", "--name", "src").strip()
    assert src.startswith("/sx/store/") and src.endswith("-src")
    assert step("hash", "path", "./src").startswith("b3:")
    assert "stage0" in step("list")
    greeter = step("realize", "hello.py:greeter", "-o", "result").strip()
    assert json.loads(step("path-info", "--closure", "--json", "result"))[-1]["path"] == greeter
    assert step("run", "hello.py:greeter").splitlines()[-1] == "Hello from the sandbox"
    assert step("shell", "hello.py:greeter", "-c", "greet").splitlines()[-1] == \
        "Hello from the sandbox"
    assert step("log", "hello.py:greeter") == ""  # logged (exit 0); the builder is silent
    step("realize", "stage0")
    step("realize", "--check", "stage0")
    assert "binary seed" in step("provenance", "stage0-M0")
    step("export-oci", "stage0", "-o", "image", "--tag", "v1")
    assert (home / "image" / "index.json").is_file()
    step("gc", "--dry-run")
    public = step("key", "generate", "--name", "alice", "-o", "alice.key").strip()
    assert public.startswith("alice:")
    step("sign", "--key", "alice.key", "-r", "result")
    step("copy", "--to", f"file://{home}/cache", "result")
    step("copy", "--to", f"file://{home}/cache2", greeter)
    step("challenge", f"file://{home}/cache", f"file://{home}/cache2")
    # the first line of the README's block after the tour (the second adds the hex0 seed,
    # which make bootstrap checks)
    sx(home, "ddc", "tcc", "--seed", "debian-tcc", "--seed", "gcc-12", "--seed", "clang-14")
    return ran


def _c_program(home: Path) -> None:
    (home / "hello.c").write_text(HELLO_C)
    (home / "c.py").write_text(C_RECIPE)
    unpriv.give(home / "hello.c", home / "c.py")
    out = sx(home, "realize", "c.py:hello").strip()
    # Static against musl: the program is its whole closure.
    [line] = sx(home, "path-info", "-S", out).splitlines()
    path, size = line.split("\t")
    assert path == out and int(size) < 100_000
    assert sx(home, "run", "c.py:hello", "--", "reader") == "hello, reader\n"
    assert sx(home, "shell", "c.py:hello", "-c", "hello-c shell") == "hello, shell\n"
    entry = json.dumps([f"{out}/bin/hello-c"])
    sx(home, "export-oci", "c.py:hello", "-o", "img", "--tag", "v1", "--entrypoint", entry)
    manifest = json.loads(user(home, "skopeo", "inspect", f"oci:{home}/img:v1"))
    assert manifest["Digest"].startswith("sha256:")
    user(home, "umoci", "unpack", "--rootless", "--image", f"{home}/img:v1", f"{home}/bundle")
    program = home / "bundle" / "rootfs" / out.lstrip("/") / "bin" / "hello-c"
    assert user(home, str(program)) == "hello, world\n"
