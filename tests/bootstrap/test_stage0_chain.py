"""The stage0 chain realized through sx: sandboxed, content-addressed, reproducible."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sx.derivations.bootstrap.stage0 import recipes
from sx.derivations.hashing import fixed_output_path
from sx.derivations.model import Source
from sx.derivations.provenance import provenance
from sx.store.local import LocalStore
from sx.store.path import StorePath

pytestmark = pytest.mark.sandbox


def sx(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the sx CLI against the store at ``root``."""
    proc = subprocess.run([sys.executable, "-m", "sx.cli.main", "--root", str(root), *args],
                          capture_output=True, text=True, timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f"sx {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return proc


def realize(root: Path, *names: str) -> list[StorePath]:
    out = sx(root, "realize", *names).stdout.split()
    return [StorePath.parse(p) for p in out]


def test_chain_reaches_the_fixpoint_and_runs_hello(tmp_path: Path) -> None:
    root = tmp_path / "a"
    (index,) = realize(root, "stage0")
    store = LocalStore(str(root))
    lines = dict(line.split() for line in Path(store.real_path(index)).read_text().splitlines())
    assert set(lines) == {"hex0-seed", "hex0", "hex1", "hex2", "catm", "M0", "hello",
                          "i386_defs.M0"}
    real = {name: store.real_path(StorePath.parse(p)) for name, p in lines.items()}
    seed = Path(real["hex0-seed"]).read_bytes()
    assert len(seed) == 246
    assert hashlib.sha256(seed).hexdigest() == recipes.SEED_SHA256
    # The fixpoint: the seed assembling its own source gives itself, bit for bit.
    assert Path(real["hex0"]).read_bytes() == seed
    run = subprocess.run([real["hello"]], capture_output=True, timeout=10)
    assert run.returncode == 0
    assert run.stdout == b"Hello from M0\n"
    # Every tool is in the index's closure (what an OCI export would contain).
    closure = {str(p) for p in store.closure([index])}
    assert set(lines.values()) <= closure


def test_chain_is_bit_identical_in_a_second_store_root(tmp_path: Path) -> None:
    first = realize(tmp_path / "one", "stage0", "stage0-M0", "stage0-hello")
    second = realize(tmp_path / "elsewhere" / "two", "stage0", "stage0-M0", "stage0-hello")
    assert first == second
    s1, s2 = LocalStore(str(tmp_path / "one")), LocalStore(str(tmp_path / "elsewhere" / "two"))
    closure = s1.closure(first)
    assert closure == s2.closure(second)
    for p in closure:
        assert s1.require(p).nar_hash == s2.require(p).nar_hash, p


STAGE0_DERIVATIONS = ["hex0-seed", "hex0", "hex1", "hex2", "catm", "M0.hex2", "M0",
                      "hello.M0", "hello.hex2-body", "hello.hex2", "hello", "stage0"]


def checked(stderr: str) -> list[str]:
    """The derivation names ``--check`` reported reproducible, in report order."""
    names = []
    for line in stderr.splitlines():
        if line.startswith("check /sx/store/") and line.endswith(": reproducible"):
            names.append(line.split()[1].split("-", 1)[1].removesuffix(".drv:"))
    return names


def test_check_rebuilds_only_the_top_derivation(tmp_path: Path) -> None:
    realize(tmp_path / "r", "stage0")
    proc = sx(tmp_path / "r", "realize", "--check", "stage0")
    assert checked(proc.stderr) == ["stage0"]
    assert "check: 1 derivation(s) rebuilt, every one bit-identical" in proc.stderr


def test_recursive_check_rebuilds_all_twelve_derivations(tmp_path: Path) -> None:
    realize(tmp_path / "r", "stage0")
    proc = sx(tmp_path / "r", "realize", "--check", "--recursive", "stage0")
    assert sorted(checked(proc.stderr)) == sorted(STAGE0_DERIVATIONS)
    assert "check: 12 derivation(s) rebuilt, every one bit-identical" in proc.stderr


def test_recursive_needs_check(tmp_path: Path) -> None:
    proc = sx(tmp_path / "r", "realize", "--recursive", "stage0", check=False)
    assert proc.returncode == 1
    assert proc.stderr == "sx: realize: --recursive: only meaningful with --check\n"


# A step whose bytes differ on every run (the kernel's context-switch and
# interrupt counters), two steps below the top of a closure.
NONDETERMINISTIC = """
from sx.derivations.bootstrap.stage0 import recipes as r
def top():
    counters = r.run("counters", r.catm(), [r.OUT, "/proc/stat"])
    middle = r.run("middle", r.catm(), [r.OUT, counters])
    return r.run("top", r.catm(), [r.OUT, middle])
"""


def test_recursive_check_names_a_nonreproducible_derivation_deep_in_the_closure(
        tmp_path: Path) -> None:
    root = tmp_path / "r"
    recipe = tmp_path / "nondet.py"
    recipe.write_text(NONDETERMINISTIC)
    (top,) = realize(root, f"{recipe}:top")
    # The top step alone rebuilds identically: its input is the recorded output.
    assert checked(sx(root, "realize", "--check", f"{recipe}:top").stderr) == ["top"]
    proc = sx(root, "realize", "--check", "--recursive", f"{recipe}:top", check=False)
    assert proc.returncode == 4
    last = proc.stderr.splitlines()[-1]
    assert last.startswith("sx: check /sx/store/") and "-counters.drv: output 'out' differs" in last
    assert "first differing file: ." in last
    assert "(recorded) vs" in last and "(rebuilt)" in last
    # Both outputs are kept; nothing above the difference was rebuilt over it.
    store = LocalStore(str(root))
    assert len([p for p in store.all_paths() if p.name == "counters"]) == 2
    assert [p for p in store.all_paths() if p.name == "top"] == [top]


def test_provenance_of_m0_is_exactly_the_seed(tmp_path: Path) -> None:
    (m0,) = realize(tmp_path / "r", "stage0-M0")
    store = LocalStore(str(tmp_path / "r"))
    seeds = provenance(store, m0)
    assert [s.path for s in seeds] == [fixed_output_path(recipes.seed())]
    assert seeds[0].size == 246
    out = sx(tmp_path / "r", "provenance", "stage0-M0").stdout
    assert out.count("\n") == 1 and "hex0-seed" in out and "246 bytes" in out


def test_seed_command_shows_three_agreeing_methods(tmp_path: Path) -> None:
    proc = sx(tmp_path / "r", "bootstrap", "seed")
    rows = [line.split() for line in proc.stdout.splitlines()[2:]]
    assert [r[0] for r in rows] == ["python", "sed+xxd", "awk"]
    assert {r[1] for r in rows} == {recipes.SEED_SHA256}
    assert {r[2] for r in rows} == {recipes.SEED_BLAKE3}




@pytest.mark.parametrize(
    ("tool", "name", "text"),
    [
        ("hex0", "bad.hex0", "7f 45 zz 46\n"),          # a non-hex character
        ("hex1", "bad.hex1", ":a 01 %b\n"),              # an undefined label
        ("hex2", "bad.hex2", ":start %nowhere\n"),       # an undefined long label
        ("M0", "bad.M0", "DEFINE NOP 90\nNOP UNDEFINED_MACRO\n"),  # an undefined macro
    ],
)
def test_bad_input_fails_the_build_and_registers_nothing(
        tmp_path: Path, tool: str, name: str, text: str) -> None:
    root = tmp_path / "r"
    realize(root, "stage0")
    store = LocalStore(str(root))
    before = set(store.all_paths())
    tools = {"hex0": recipes.hex0, "hex1": recipes.hex1, "hex2": recipes.hex2, "M0": recipes.m0}
    src = tmp_path / name
    src.write_text(text)
    recipe = tmp_path / "bad_recipe.py"
    recipe.write_text(
        "from sx.derivations.bootstrap.stage0 import recipes as r\n"
        "from sx.derivations.model import Source\n"
        "def bad():\n"
        f"    return r.run('bad-output', r.{tools[tool].__name__}(), "
        f"[Source({str(src)!r}, {name!r}), r.OUT])\n")
    proc = sx(root, "realize", f"{recipe}:bad", check=False)
    assert proc.returncode != 0
    assert "bad-output" in proc.stderr
    after = set(LocalStore(str(root)).all_paths())
    new = after - before
    # Only the recipe's inputs (its source file and .drv) may appear; never an output.
    assert all(p.name in (name, "bad-output.drv") for p in new), new
    assert not [p for p in new if p.name == "bad-output"]
    assert not os.listdir(store.tmp)


def test_missing_input_file_fails_the_build(tmp_path: Path) -> None:
    root = tmp_path / "r"
    recipe = tmp_path / "missing.py"
    recipe.write_text(
        "from sx.derivations.bootstrap.stage0 import recipes as r\n"
        "def bad():\n"
        "    return r.run('no-input', r.hex0(), ['/sx/store/nothing-here.hex0', r.OUT])\n")
    proc = sx(root, "realize", f"{recipe}:bad", check=False)
    assert proc.returncode != 0
    assert "no-input" in proc.stderr
    assert not [p for p in LocalStore(str(root)).all_paths() if p.name == "no-input"]


def edited_seed_source(tmp_path: Path) -> Path:
    """hex0.hex0 with one instruction byte changed (not a comment): the last hex pair."""
    changed = tmp_path / "hex0.hex0"
    lines = Path(recipes.SEED_SOURCE).read_text().splitlines()
    for i in range(len(lines) - 1, -1, -1):
        code = lines[i].split("#")[0].split(";")[0].split()
        if code:
            code[-1] = "90" if code[-1].lower() != "90" else "c3"
            lines[i] = " ".join(code)
            break
    changed.write_text("\n".join(lines) + "\n")
    return changed


def recipe_with_seed_source(tmp_path: Path, source: Path, attr: str) -> Path:
    """A recipe file whose stage0 recipes read ``source`` as hex0.hex0; exports ``attr``."""
    recipe = tmp_path / f"{attr}_recipe.py"
    recipe.write_text(
        "from sx.derivations.bootstrap.stage0 import recipes as r\n"
        f"r.SEED_SOURCE = {str(source)!r}\n"
        f"def {attr}():\n"
        f"    return r.{attr}()\n")
    return recipe


def test_seed_source_change_is_refused_by_the_pinned_hash(tmp_path: Path) -> None:
    recipe = recipe_with_seed_source(tmp_path, edited_seed_source(tmp_path), "seed")
    proc = sx(tmp_path / "r", "realize", f"{recipe}:seed", check=False)
    assert proc.returncode != 0
    assert "sha256" in proc.stderr or "b3:" in proc.stderr
    assert not [p for p in LocalStore(str(tmp_path / "r")).all_paths()
                if p.name == "hex0-seed"]


def test_edited_hex0_source_fails_in_a_store_that_holds_the_seed(tmp_path: Path) -> None:
    # The seed is a fixed output: once its path is valid its build is skipped,
    # so only the hex0 step's own pin can notice an edited hex0.hex0.
    root = tmp_path / "r"
    realize(root, "stage0")
    before = set(LocalStore(str(root)).all_paths())
    recipe = recipe_with_seed_source(tmp_path, edited_seed_source(tmp_path), "hex1")
    proc = sx(root, "realize", f"{recipe}:hex1", check=False)
    assert proc.returncode == 4, proc.stderr
    assert "hex0.drv" in proc.stderr and f"pins sha256:{recipes.SEED_SHA256}" in proc.stderr
    new = set(LocalStore(str(root)).all_paths()) - before
    # The edited source and the .drv files enter the store; no output does.
    assert {p.name for p in new} == {"hex0.hex0", "hex0-seed.drv", "hex0.drv", "hex1.drv"}, new
    assert not os.listdir(LocalStore(str(root)).tmp)


def test_hex0_source_edited_in_a_comment_still_reproduces_the_seed(tmp_path: Path) -> None:
    # The pin is on the bytes, not on the text: a new comment builds the step
    # again (a new source path) and it passes, giving the seed's bytes.
    root = tmp_path / "r"
    realize(root, "stage0")
    commented = tmp_path / "hex0.hex0"
    commented.write_text(Path(recipes.SEED_SOURCE).read_text() + "# one more comment\n")
    recipe = recipe_with_seed_source(tmp_path, commented, "hex0")
    (out,) = [StorePath.parse(p) for p in sx(root, "realize", f"{recipe}:hex0").stdout.split()]
    data = Path(LocalStore(str(root)).real_path(out)).read_bytes()
    assert hashlib.sha256(data).hexdigest() == recipes.SEED_SHA256
    assert out == realize(root, "stage0-hex0")[0]


def test_sources_are_text_only() -> None:
    # Every stage0 source that enters the store is text: the seed is the only binary.
    for drv in recipes.tools().values():
        for src in drv.input_srcs:
            assert isinstance(src, Source)
            data = Path(src.local).read_bytes()
            assert b"\0" not in data and not data.startswith(b"\x7fELF"), src.local
