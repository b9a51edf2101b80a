"""Every command that takes installables, driven with every installable form; JSON checked.

The table is (command, how to check its result) x (installable form). All
forms name the same output (hello-script's) or, for a bare ``.drv`` path in
a command that reads store objects, the ``.drv`` object itself. Commands
with ``--json`` are checked against their schema in docs/json.md. The table
calls ``sx``'s main() in-process (see cli_helpers.run_main); the tests
below it run the console script as a subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import RECIPE, Ran, check, run_main, schemas
from sx.cli.ddc import to_json as ddc_json
from sx.derivations.bootstrap.toolchain.ddc import Report, StageResult
from sx.derivations.examples import hello, hello_script
from sx.store.path import StorePath
from sx_runner import sx_env


@dataclass
class World:
    """A store with hello-script realized, an out-link to it, a recipe file and a key."""

    root: str
    work: Path
    out: str
    drv: str
    hello: str

    separate: bool = False
    """Run each command in a process of its own (temp roots of this one would keep paths)."""

    def sx(self, *args: str, ok: bool = True) -> Ran:
        if self.separate:
            p = subprocess.run([sys.executable, "-m", "sx.cli.main", *args], cwd=self.work,
                               env=sx_env(self.root), capture_output=True, text=True,
                               timeout=120)
            r = Ran(p.returncode, p.stdout, p.stderr, p.stdout.encode())
        else:
            r = run_main(list(args), str(self.work), self.root)
        if ok:
            assert r.returncode == 0, (args, r.stderr)
            assert "Traceback" not in r.stderr
        return r


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    base = tmp_path_factory.mktemp("json")
    work = base / "work"
    work.mkdir()
    (work / "r.py").write_text(RECIPE)
    w = World(str(base / "root"), work, "", str(hello_script().drv_path), "")
    w.out = w.sx("realize", "hello-script", "-o", "result").stdout.strip()
    w.hello = w.sx("realize", "hello").stdout.strip()
    w.sx("key", "generate", "--name", "t", "-o", "t.key")
    return w


def _forms(w: World) -> dict[str, str]:
    """Installable form -> text; every one names hello-script's output."""
    base = w.out.removeprefix("/sx/store/")
    return {
        "logical": w.out,
        "physical": os.path.join(w.root, "store", base),
        "base name": base,
        "out-link": "result",
        "absolute out-link": str(w.work / "result"),
        "drv^out": f"{w.drv}^out",
        "drv^*": f"{w.drv}^*",
        "FILE.py:attr": "r.py:script",
        "module:attr": "sx.derivations.examples:hello_script",
        "registry name": "hello-script",
        "registry^out": "hello-script^out",
    }


FORMS = ["logical", "physical", "base name", "out-link", "absolute out-link", "drv^out",
         "drv^*", "FILE.py:attr", "module:attr", "registry name", "registry^out"]
Check = Callable[[World, str], None]


def _realize(w: World, form: str) -> None:
    doc = check("realize", w.sx("realize", "--json", form).stdout)
    (res,) = doc["results"]
    assert res["outputs"] == {"out": w.out} and res["installable"] == form
    assert res["drvPath"] in (w.drv, None) and doc["built"] == [] and doc["dryRun"] is False
    dry = check("realize-plan", w.sx("realize", "--json", "--dry-run", form).stdout)
    assert dry["dryRun"] is True and dry["build"] == [] and dry["fetch"] == []


def _path_info(w: World, form: str) -> None:
    (info,) = check("path-info", w.sx("path-info", "--json", form).stdout)
    assert info["path"] == w.out and info["deriver"] == w.drv
    closure = check("path-info", w.sx("path-info", "--json", "-r", form).stdout)
    assert [i["path"] for i in closure] == [w.hello, w.out]


def _why_depends(w: World, form: str) -> None:
    doc = check("why-depends", w.sx("why-depends", "--json", form, "hello").stdout)
    assert doc["chain"] == [w.out, w.hello] and doc["dependsOn"] is True
    back = w.sx("why-depends", "--json", "hello", form, ok=False)
    assert back.returncode == 1 and check("why-depends", back.stdout)["chain"] == []


def _provenance(w: World, form: str) -> None:
    doc = check("provenance", w.sx("provenance", "--json", form).stdout)
    # Two builtin:write steps wrote plain text: nothing to report.
    assert doc == {"binaries": [], "sources": []}


def _verify(w: World, form: str) -> None:
    (doc,) = check("verify", w.sx("verify", "--json", form).stdout)
    assert doc == {"path": w.out, "ok": True}
    (sigs,) = check("verify", w.sx("verify", "--json", "--sigs", form).stdout)
    assert sigs["reports"][0]["what"] == w.out


def _sign(w: World, form: str) -> None:
    w.sx("sign", "--key", "t.key", form)
    (info,) = json.loads(w.sx("path-info", "--json", w.out).stdout)
    assert any(s.startswith("t:") for s in info["signatures"])


def _copy(w: World, form: str) -> None:
    url = f"file://{w.work}/cache"
    doc = check("copy", w.sx("copy", "--json", "--to", url, form).stdout)
    assert w.out in doc["uploaded"] + doc["present"] and doc["direction"] == "to"


def _store_ls(w: World, form: str) -> None:
    assert w.sx("store", "ls", form).stdout == w.out + "\n"


def _store_cat(w: World, form: str) -> None:
    assert w.sx("store", "cat", form).stdout.startswith("#!/bin/sh\n")


def _store_dump(w: World, form: str) -> None:
    assert w.sx("store", "dump", form).raw.startswith(b"\x0d\0\0\0\0\0\0\0nix-archive-1")


def _store_export(w: World, form: str) -> None:
    assert "exported 1 paths" in w.sx("store", "export", "-o", "x.export", form).stderr


def _export_oci(w: World, form: str) -> None:
    digest = w.sx("export-oci", form, "-o", "image", "--force").stdout.strip()
    assert digest.startswith("sha256:")


def _roots_add(w: World, form: str) -> None:
    assert w.sx("gc", "roots", "add", "json-test", form).stdout.endswith(f"-> {w.out}\n")
    roots = check("gc-roots", w.sx("gc", "roots", "--json").stdout)
    assert any(r["path"] == w.out and r["link"].endswith("/json-test") for r in roots)


def _log(w: World, form: str) -> None:
    (doc,) = check("log", w.sx("log", "--json", form).stdout)
    assert doc["drvPath"] == w.drv and doc["installable"] == form


def _show_derivation(w: World, form: str) -> None:
    assert list(json.loads(w.sx("show-derivation", form).stdout)) == [w.drv]


COMMANDS: dict[str, Check] = {
    "realize": _realize, "path-info": _path_info, "why-depends": _why_depends,
    "provenance": _provenance, "verify": _verify, "sign": _sign, "copy --to": _copy,
    "store ls": _store_ls, "store cat": _store_cat, "store dump": _store_dump,
    "store export": _store_export, "export-oci": _export_oci, "gc roots add": _roots_add,
    "log": _log, "show-derivation": _show_derivation,
}


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_takes_every_form(world: World, command: str, form: str) -> None:
    COMMANDS[command](world, _forms(world)[form])


@pytest.mark.parametrize("command", ["path-info", "store ls", "verify", "sign"])
def test_a_bare_drv_path_is_the_object_for_object_commands(world: World, command: str) -> None:
    args = {"path-info": ["path-info"], "store ls": ["store", "ls"], "verify": ["verify"],
            "sign": ["sign", "--key", "t.key"]}[command]
    r = world.sx(*args, world.drv)
    assert r.returncode == 0
    if command in ("path-info", "store ls"):
        assert r.stdout.strip() == world.drv


def test_realize_takes_a_bare_drv_path_as_its_derivation(world: World) -> None:
    doc = check("realize", world.sx("realize", "--json", world.drv).stdout)
    assert doc["results"][0]["outputs"] == {"out": world.out}


def test_a_path_inside_an_object(world: World) -> None:
    real = subprocess.run([sys.executable, "-m", "sx.cli.main", "realize", "r.py:pair", "-o",
                           "pair"], cwd=world.work, env=sx_env(world.root), capture_output=True,
                          text=True, timeout=60, check=True).stdout.split()
    assert len(real) == 2
    # ls/cat accept a path below a store object, through an out-link or not.
    assert world.sx("store", "cat", f"{world.out}").stdout.startswith("#!")
    r = world.sx("path-info", "result/x", ok=False)
    assert r.returncode == 1 and "give the store path itself" in r.stderr


def test_json_of_commands_without_installables(world: World) -> None:
    listed = check("list", world.sx("list", "--json").stdout)
    assert {"hello", "stage0", "gcc"} <= {e["name"] for e in listed}
    logs = check("log", world.sx("log", "--json").stdout)
    assert world.drv in {e["drvPath"] for e in logs}
    gc = check("gc", world.sx("gc", "--json", "--dry-run").stdout)
    assert gc["dryRun"] is True and world.out not in gc["deleted"]
    roots = check("gc-roots", world.sx("gc", "roots", "--json", "--no-closure").stdout)
    assert all("closure" not in r for r in roots)
    url = f"file://{world.work}/cache"
    world.sx("copy", "--to", url, "hello-script")
    chal = check("challenge", world.sx("challenge", "--json", url, url).stdout)
    assert chal["counts"]["agree"] >= 1 and chal["verdicts"][0]["status"] == "agree"
    info = check("cache-info", world.sx("cache", "info", "--json", url).stdout)
    assert info["url"] == url and info["initialised"] is True and info["paths"] == 2


def test_copy_from_json(world: World, tmp_path: Path) -> None:
    url = f"file://{world.work}/cache"
    world.sx("copy", "--to", url, "hello-script")
    other = str(tmp_path / "other")
    r = subprocess.run([sys.executable, "-m", "sx.cli.main", "copy", "--json", "--from", url,
                        "--no-check-sigs", world.out], env=sx_env(other), capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    doc = check("copy", r.stdout)
    assert doc["direction"] == "from" and set(doc["fetched"]) == {world.out, world.hello}


def test_gc_json_deletes_what_it_says(tmp_path: Path) -> None:
    root = str(tmp_path / "root")

    def sx(*args: str) -> str:
        r = subprocess.run([sys.executable, "-m", "sx.cli.main", *args], env=sx_env(root),
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        return r.stdout

    out = sx("realize", "hello").strip()
    doc = check("gc", sx("gc", "--json"))
    assert out in doc["deleted"] and doc["freed"] > 0 and doc["dryRun"] is False
    assert not os.path.exists(os.path.join(root, "store", out.removeprefix("/sx/store/")))


def test_ddc_json_matches_its_schema() -> None:
    p = StorePath.parse(str(hello().drv_path).removesuffix(".drv") + "x")
    q = StorePath.parse(str(hello_script().drv_path).removesuffix(".drv") + "y")
    report = Report("tcc", ("a", "b"), (StageResult("tcc-1", {"a": p, "b": q}),
                                        StageResult("tcc-2", {"a": p, "b": p})))
    doc: Any = ddc_json(report)
    check("ddc", json.dumps(doc))
    assert doc["firstDivergence"] == "tcc-1" and doc["convergedFrom"] == "tcc-2"


def test_every_json_command_has_a_schema_and_every_schema_a_command() -> None:
    from sx.cli.main import build_parser

    with_json = set()

    def walk(parser: Any, path: list[str]) -> None:
        for action in parser._actions:
            if "--json" in action.option_strings:
                with_json.add("-".join(path))
            if action.__class__.__name__ == "_SubParsersAction":
                for name, child in action.choices.items():
                    walk(child, [*path, name])

    walk(build_parser(full=True), [])
    # realize has two documents: the run's and, with --dry-run, the plan.
    assert with_json | {"realize-plan"} == set(schemas())


@pytest.mark.parametrize("form", FORMS)
def test_store_delete_takes_every_form(tmp_path: Path, form: str) -> None:
    """Delete builds nothing and refuses what a root keeps alive (here: the out-link)."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "r.py").write_text(RECIPE)
    root = str(tmp_path / "root")
    w = World(root, work, "", str(hello_script().drv_path), "", separate=True)
    w.out = w.sx("realize", "hello-script", "-o", "result").stdout.strip()
    text = _forms(w)[form]
    if "out-link" not in form:
        os.unlink(work / "result")  # nothing keeps it alive now
    r = w.sx("store", "delete", text, ok=False)
    if "out-link" in form:
        assert r.returncode == 1 and "alive" in r.stderr, r.stderr
        return
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"deleted {w.out}\n"
    again = w.sx("store", "delete", text, ok=False)
    assert again.returncode == 1 and "Traceback" not in again.stderr
    assert "building" not in again.stderr  # lookup only: a deleted output is not rebuilt
