"""Man pages and shell completion, as ``make install`` puts them, and as generated."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sx.cli.commands import COMMANDS
from sx.cli.main import build_parser
from sx.cli.manpages import walk, write_pages
from sx.derivations.registry import REGISTRY

REPO = Path(__file__).resolve().parent.parent.parent
SHARE = Path(sys.prefix) / "share"
PATH = f"{sys.prefix}/bin:/usr/bin:/bin"


def test_man_sx_realize_works_after_make_install() -> None:
    assert (Path(sys.prefix) / ".extras").exists(), "run `make install` first"
    found = subprocess.run(["man", "-w", "sx-realize"], env={"PATH": PATH, "HOME": "/"},
                           capture_output=True, text=True, timeout=60)
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == str(SHARE / "man" / "man1" / "sx-realize.1")
    shown = subprocess.run(["man", "-P", "cat", "sx-realize"], capture_output=True, text=True,
                           env={"PATH": PATH, "HOME": "/", "MANWIDTH": "80"}, timeout=60)
    assert shown.returncode == 0 and "--max-log-size SIZE" in shown.stdout


def test_a_page_for_every_command_and_subcommand(tmp_path: Path) -> None:
    names = set(write_pages(str(tmp_path)))
    expected = {"-".join(path) + ".1" for path, _, p in walk(build_parser(full=True))}
    assert names == expected
    assert {f"sx-{c}.1" for c in COMMANDS} <= names and "sx-store-ls.1" in names
    for name in sorted(names):
        r = subprocess.run(["man", "--warnings", "-l", "-P", "cat", str(tmp_path / name)],
                           capture_output=True, text=True, env={"PATH": PATH, "HOME": "/",
                                                                "MANWIDTH": "100"}, timeout=60)
        assert r.returncode == 0 and r.stderr == "", (name, r.stderr)
        assert "NAME" in r.stdout and "SYNOPSIS" in r.stdout


def test_pages_are_deterministic(tmp_path: Path) -> None:
    write_pages(str(tmp_path / "a"))
    write_pages(str(tmp_path / "b"))
    for name in os.listdir(tmp_path / "a"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def _bash_complete(words: list[str]) -> list[str]:
    script = SHARE / "bash-completion" / "completions" / "sx"
    line = " ".join(f"'{w}'" for w in words)
    code = (f"source {script}\nCOMP_WORDS=({line})\nCOMP_CWORD={len(words) - 1}\n"
            "_shtab_sx\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n")
    r = subprocess.run(["bash", "-c", code], capture_output=True, text=True, timeout=60,
                       cwd="/")
    assert r.returncode == 0, r.stderr
    return r.stdout.split()


def test_bash_completion_finds_the_script_through_xdg_data_dirs() -> None:
    code = ("source /usr/share/bash-completion/bash_completion\n"
            "__load_completion sx && complete -p sx\n")
    r = subprocess.run(["bash", "-c", code], capture_output=True, text=True, timeout=60,
                       env={"PATH": PATH, "HOME": "/nonexistent",
                            "XDG_DATA_DIRS": f"{SHARE}:/usr/share"})
    assert r.returncode == 0 and r.stdout.strip() == "complete -o bashdefault -F _shtab_sx sx", (
        r.stdout, r.stderr)


def test_bash_completes_recipe_names_for_installables() -> None:
    got = _bash_complete(["sx", "realize", ""])
    assert set(REGISTRY) <= set(got)
    assert _bash_complete(["sx", "realize", "gcc"]) == ["gcc", "gcc-hello"]
    assert set(_bash_complete(["sx", "path-info", "stage0-h"])) == {
        "stage0-hello", "stage0-hex0", "stage0-hex1", "stage0-hex2"}
    assert _bash_complete(["sx", "st"]) == ["store"]
    assert "--max-log-size" in _bash_complete(["sx", "realize", "--max"])
    assert _bash_complete(["sx", "store", "l"]) == ["ls"]


def test_fish_completes_recipe_names_with_descriptions() -> None:
    script = SHARE / "fish" / "vendor_completions.d" / "sx.fish"
    r = subprocess.run(["fish", "-c", f"source {script}; complete -C 'sx realize stage0-'"],
                       capture_output=True, text=True, timeout=60, cwd="/")
    assert r.returncode == 0, r.stderr
    rows = dict(line.split("\t", 1) for line in r.stdout.splitlines() if "\t" in line)
    assert rows["stage0-M0"] == "M0, the macro assembler (DEFINE macros over hex2)."
    assert {n for n in REGISTRY if n.startswith("stage0-")} <= set(rows)


def test_zsh_script_loads_and_registers_the_recipe_completer() -> None:
    script = SHARE / "zsh" / "site-functions" / "_sx"
    code = (f"autoload -U compinit; compinit -u -D; eval \"$(<{script})\"; "
            "print -r -- $_comps[sx]; whence -f _sx_installables")
    r = subprocess.run(["zsh", "-f", "-c", code], capture_output=True, text=True, timeout=60,
                       env={"PATH": PATH, "HOME": "/tmp"})
    assert r.returncode == 0 and r.stderr == "", r.stderr
    first, *body = r.stdout.splitlines()
    assert first == "_shtab_sx" and any("'hello:A file holding a greeting.'" in b for b in body)


def test_completion_command_prints_each_shell() -> None:
    for shell in ("bash", "zsh", "fish"):
        r = subprocess.run([sys.executable, "-m", "sx.cli.main", "completion", shell],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0 and "hello-script" in r.stdout
