"""``sx realize -n`` / ``--json`` tell what the run then does; cache flags; ``sx cache info``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cache_helpers import BACKENDS, RunSx

RECIPE = '''
from sx.derivations.model import BUILTIN_WRITE, derivation

def w(name, text, inputs):
    return derivation(name, BUILTIN_WRITE, env={"text": text}, inputs=inputs, system="builtin")

seed = w("seed", "seed " * 50000, [])
tool = w("tool", "a tool made with a seed", [seed])
lib = w("lib", "a lib made with a tool", [tool])
app = w("app", f"an app using {lib.out}", [lib])
'''


def _publish(sx: RunSx, tmp_path: Path, url: str) -> tuple[str, str, dict[str, str]]:
    """Build the four levels in root a, sign everything as alice, copy it all to ``url``."""
    recipe = tmp_path / "r.py"
    recipe.write_text(RECIPE)
    a = str(tmp_path / "a")
    names = ["seed", "tool", "lib", "app"]
    built = sx("--root", a, "realize", "-q", *(f"{recipe}:{n}" for n in names))
    assert built.returncode == 0, built.stderr
    outs = dict(zip(names, built.stdout.split(), strict=True))
    pub = sx("key", "generate", "--name", "alice", "-o", str(tmp_path / "alice")).stdout.strip()
    assert sx("--root", a, "sign", "--key", str(tmp_path / "alice"), *outs.values()
              ).returncode == 0
    up = sx("--root", a, "copy", "--to", url, *outs.values(),
            env={"SX_UPLOAD_TOKEN": "test-upload-token"})
    assert up.returncode == 0, up.stderr
    return str(recipe), pub, outs


@pytest.mark.parametrize("cache_url", ["file"], indirect=True)
def test_the_plan_and_the_run_agree(sx: RunSx, tmp_path: Path, cache_url: str) -> None:
    recipe, pub, outs = _publish(sx, tmp_path, cache_url)
    b = str(tmp_path / "b")
    flags = ["--substituters", cache_url, "--trusted-public-keys", pub]
    plan = sx("--root", b, "realize", "-n", "--json", *flags, f"{recipe}:app")
    assert plan.returncode == 0, plan.stderr
    p = json.loads(plan.stdout)
    assert {f["path"] for f in p["fetch"]} == {outs["app"], outs["lib"]}
    assert p["build"] == [] and p["buildUnlessCached"] == []
    assert p["downloadSize"] == sum(f["downloadSize"] for f in p["fetch"]) > 0
    human = sx("--root", b, "realize", "-n", *flags, f"{recipe}:app")
    assert "these 2 paths will be fetched" in human.stderr and cache_url in human.stderr
    assert "will be built" not in human.stderr
    done = sx("--root", b, "realize", "--json", *flags, f"{recipe}:app")
    assert done.returncode == 0, done.stderr
    r = json.loads(done.stdout)
    assert [f["path"] for f in r["fetched"]] == [f["path"] for f in p["fetch"]]
    assert r["downloaded"] == p["downloadSize"]
    assert sum(f["narSize"] for f in r["fetched"]) == p["narSize"]
    assert r["built"] == [] and r["outputs"] == [{"out": outs["app"]}]
    again = sx("--root", b, "realize", "-n", *flags, f"{recipe}:app")
    assert "nothing to do" in again.stderr


def test_flags_override_the_configuration(sx: RunSx, tmp_path: Path) -> None:
    url = f"file://{tmp_path / 'cache'}"
    recipe, pub, outs = _publish(sx, tmp_path, url)
    b = tmp_path / "b"
    (b / "etc").mkdir(parents=True)
    # The file names an empty cache and trusts another key, twice over.
    other = "other:" + "A" * 43 + "="
    (b / "etc" / "sx.conf").write_text(f'substituters = ["file://{tmp_path / "empty"}"]\n'
                                       f'trusted-public-keys = ["{other}"]\n'
                                       'required-signatures = 1\n')
    refused = sx("--root", str(b), "realize", "--no-build", f"{recipe}:app")
    assert refused.returncode == 4 and "not substitutable" in refused.stderr
    got = sx("--root", str(b), "realize", "--no-build", "--substituters", f"file:///x {url}",
             "--trusted-public-keys", pub, "--option", "required-signatures", "1",
             f"{recipe}:app")
    assert got.returncode == 0, got.stderr
    assert got.stdout.strip() == outs["app"]
    # With no substituters at all, the same command has to build.
    none = sx("--root", str(tmp_path / "c"), "realize", "-n", "--substituters", "",
              "--trusted-public-keys", pub, f"{recipe}:app")
    assert "these 4 derivations will be built" in none.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["--option", "no-such-thing", "1"], "option: unknown key 'no-such-thing'"),
    (["--option", "required-signatures", "two"],
     "option: required-signatures: expected a whole number"),
    (["--trusted-public-keys", "x"], "parse public key 'x'"),
    (["--option", "required-signatures", "3", "--trusted-public-keys",
      "k:" + "A" * 43 + "="], "required-signatures = 3 but only 1"),
])
def test_bad_overrides_are_one_line_errors(sx: RunSx, tmp_path: Path, args: list[str],
                                           message: str) -> None:
    r = sx("--root", str(tmp_path / "r"), "realize", "--substituters", "file:///x", *args,
           "sx.derivations.examples:hello")
    assert r.returncode == 1, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sx: ") and message in lines[0], r.stderr


@pytest.mark.parametrize("cache_url", BACKENDS, indirect=True)
def test_cache_info(sx: RunSx, tmp_path: Path, cache_url: str) -> None:
    empty = sx("cache", "info", "--json", cache_url)
    assert empty.returncode == 0, empty.stderr
    e = json.loads(empty.stdout)
    assert e["initialised"] is False and e["paths"] == 0 and e["storeDir"] == "/sx/store"
    _publish(sx, tmp_path, cache_url)
    info = sx("cache", "info", cache_url)
    assert info.returncode == 0, info.stderr
    assert "Store dir:    /sx/store\n" in info.stdout and "Priority:     50\n" in info.stdout
    assert "Paths:        4\n" in info.stdout and "Realisations: 8\n" in info.stdout
    j = json.loads(sx("cache", "info", "--json", cache_url).stdout)
    assert (j["paths"], j["realisations"], j["priority"], j["initialised"]) == (4, 8, 50, True)


def test_cache_info_of_an_unreachable_cache(sx: RunSx) -> None:
    from cache_helpers import free_port

    r = sx("cache", "info", f"http://127.0.0.1:{free_port()}")
    assert r.returncode == 3 and r.stderr.startswith("sx: ") and len(r.stderr.splitlines()) == 1


def _imported(stderr: str) -> set[str]:
    """The modules a run imported, from its ``PYTHONPROFILEIMPORTTIME`` lines."""
    return {line.rsplit("|", 1)[1].strip() for line in stderr.splitlines()
            if line.startswith("import time:") and line.count("|") == 2}


BUILDER = {"trio", "sx.derivations.build.scheduler", "sx.derivations.build.linux"}
"""Modules only a build needs: a realize that only fetches must not load them."""

SPARED = {"dataclasses", "inspect", "logging", "concurrent.futures", "shutil", "secrets",
          "hashlib", "unicodedata", "sx.store.gc"}
"""Modules a fetch has no use for, each of which cost every such run its import
(docs/performance.md, "Substitution")."""


@pytest.mark.parametrize("cache_url", ["file"], indirect=True)
def test_a_run_that_only_fetches_never_loads_the_builder(sx: RunSx, tmp_path: Path,
                                                         cache_url: str) -> None:
    recipe, pub, outs = _publish(sx, tmp_path, cache_url)
    flags = ["--substituters", cache_url, "--trusted-public-keys", pub]
    profile = {"PYTHONPROFILEIMPORTTIME": "1"}
    done = sx("--root", str(tmp_path / "b"), "realize", "--json", *flags, f"{recipe}:app",
              env=profile)
    assert done.returncode == 0, done.stderr[-2000:]
    r = json.loads(done.stdout)
    assert r["built"] == [] and {f["path"] for f in r["fetched"]} == {outs["app"], outs["lib"]}
    assert not BUILDER & _imported(done.stderr)
    assert not SPARED & _imported(done.stderr)
    # The realisation was recorded with the paths: the next run knows the output.
    again = sx("--root", str(tmp_path / "b"), "realize", "-n", "--json", f"{recipe}:app")
    assert json.loads(again.stdout)["fetch"] == [] and json.loads(again.stdout)["build"] == []
    # The same root asked for a level the cache lacks builds it, so loads the builder.
    (tmp_path / "more.py").write_text(RECIPE + 'extra = w("extra", "not cached", [lib])\n')
    built = sx("--root", str(tmp_path / "b"), "realize", "--json", *flags,
               f"{tmp_path / 'more.py'}:extra", env=profile)
    assert built.returncode == 0, built.stderr[-2000:]
    assert len(json.loads(built.stdout)["built"]) == 1
    assert _imported(built.stderr) >= BUILDER
