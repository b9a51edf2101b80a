"""``sx run`` and ``sx shell``: programs of a store whose root is not ``/sx``.

The programs here are scripts whose ``#!`` line names busybox at
``/sx/store/...``: they run only if the view really puts the store there.
The same as an unprivileged user with the default root is in tests/user.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sx.derivations.model import Source
from sx.derivations.storeview import main_program, needs_view, view_argv
from sx.store.errors import InvalidInput
from sx_runner import sx_env

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

RECIPE = '''
from sx.derivations.model import Source, derivation
bb = Source({bb!r}, "busybox")
sh = f"{{bb}}/bin/sh"

def prog(name, body, meta=None, file="bin/" + "{{name}}"):
    path = file.format(name=name)
    script = (f"mkdir -p $out/$(dirname {{path}}); printf '#!{{sh}}\\\\n%s\\\\n' '{{body}}'"
              f" > $out/{{path}}; chmod +x $out/{{path}}")
    return derivation(name, sh, ["-c", script], srcs=[bb], meta=meta)

greet = prog("greet", 'echo "greet: $*"; exit 7')
tool = prog("tool", 'echo tool here', meta={{"mainProgram": "libexec/real-tool"}},
            file="libexec/real-tool")
trapper = prog("trapper", 'trap "echo caught; exit 0" INT; echo ready; while :; do sleep 1; done')
nobin = derivation("nobin", sh, ["-c", "echo x > $out"], srcs=[bb])
'''


@pytest.fixture
def recipe(tmp_path: Path, busybox: Source) -> str:
    p = tmp_path / "recipe.py"
    p.write_text(RECIPE.format(bb=busybox.local))
    return str(p)


@pytest.fixture
def root(tmp_path: Path) -> str:
    return str(tmp_path / "root")


def sx(root: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sx.cli.main", "--root", root, *args],
                          capture_output=True, text=True, env=sx_env(root), cwd=cwd,
                          timeout=300, check=False)


def test_run_passes_arguments_and_the_exit_status(root: str, recipe: str) -> None:
    r = sx(root, "run", f"{recipe}:greet", "--", "a", "b c")
    assert (r.returncode, r.stdout) == (7, "greet: a b c\n"), r.stderr


def test_run_uses_main_program(root: str, recipe: str) -> None:
    r = sx(root, "run", f"{recipe}:tool")
    assert (r.returncode, r.stdout) == (0, "tool here\n"), r.stderr


def test_run_of_an_out_link_and_a_store_path(root: str, recipe: str, tmp_path: Path) -> None:
    out = sx(root, "realize", f"{recipe}:tool", "-o", "result", cwd=tmp_path).stdout.strip()
    for installable in (out, str(tmp_path / "result")):
        r = sx(root, "run", installable)
        assert (r.returncode, r.stdout) == (0, "tool here\n"), r.stderr


def test_run_without_a_program_is_an_error(root: str, recipe: str) -> None:
    r = sx(root, "run", f"{recipe}:nobin")
    assert r.returncode == 1
    last = r.stderr.splitlines()[-1]
    assert last.startswith(f"sx: run {recipe}:nobin: ") and "has no program bin/nobin" in last


def test_shell_puts_bin_on_path_and_out_links_work(root: str, recipe: str,
                                                    tmp_path: Path) -> None:
    sx(root, "realize", f"{recipe}:greet", "-o", "result", cwd=tmp_path)
    r = sx(root, "shell", f"{recipe}:greet", f"{recipe}:nobin", "-c",
           "greet in-path; ./result/bin/greet out-link; echo $PATH", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[:2] == ["greet: in-path", "greet: out-link"]
    first = lines[2].split(":")[0]
    assert first.startswith("/sx/store/") and first.endswith("-greet/bin")


def test_shell_sees_the_users_files_and_the_store(root: str, recipe: str,
                                                  tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("my file\n")
    r = sx(root, "shell", f"{recipe}:greet", "-c", f"cat {tmp_path}/mine.txt; ls /sx; "
           "test -e /dev/null && echo dev; test -d /proc/self && echo proc; id -u",
           cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["my file", "store", "dev", "proc", str(os.geteuid())]


def test_ctrl_c_reaches_the_program_only(root: str, recipe: str) -> None:
    sx(root, "realize", f"{recipe}:trapper")
    proc = subprocess.Popen([sys.executable, "-m", "sx.cli.main", "--root", root, "run",
                             f"{recipe}:trapper"], stdout=subprocess.PIPE, text=True,
                            env=sx_env(root), start_new_session=True)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "ready\n"
        time.sleep(0.2)
        os.killpg(proc.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
        out, _ = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert (proc.returncode, out) == (0, "caught\n")


def test_main_program_is_a_path_inside_the_output() -> None:
    assert main_program("hello", {}) == "bin/hello"
    assert main_program("hello", {"mainProgram": "hi"}) == "bin/hi"
    assert main_program("hello", {"mainProgram": "libexec/x"}) == "libexec/x"
    for bad in ("/bin/sh", "../escape", "bin/../../x", "."):
        with pytest.raises(InvalidInput, match="not a path inside the output"):
            main_program("hello", {"mainProgram": bad})


def test_no_view_when_the_store_is_at_its_place() -> None:
    assert not needs_view("/sx/store")
    assert view_argv("/sx/store", ["/sx/store/x/bin/y"]) == ["/sx/store/x/bin/y"]
