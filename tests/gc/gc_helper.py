"""A separate sx process for the GC tests: holds, adds or imports paths on command.

Usage: ``gc_helper.py ROOT MODE ARGS...``; it prints one line per event and,
when its work is done, waits for a line on stdin before exiting (so its temp
roots stay held while the test runs a collection).

Modes:
  hold PATH...          protect the paths; print "missing <path>" for each gone, then "ready"
  adds N PREFIX [SLEEP] add N chained paths, printing each; then "done"
  import FILE           import an export stream, printing each path; then "done"
  stress SECONDS ID     the stress test's worker (see test_gc_stress.py); prints "ok N" or FAILs
  builds SECONDS ID DIR realize fresh two-step recipes with sx realize in a loop (busybox
                        laid out in DIR/busybox), some with out-links; prints "ok N" or FAILs
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time

from sx.store.errors import MissingReference, NotFound
from sx.store.gc import add_root, protect, remove_root
from sx.store.local import LocalStore
from sx.store.path import StorePath
from sx.store.transfer import import_paths


def wait_for_exit() -> None:
    """Keep the process (and its temp roots) alive until the test says so."""
    sys.stdin.readline()


def hold(store: LocalStore, texts: list[str]) -> None:
    """Protect paths like a build protects its inputs."""
    missing = protect(store, [store.parse_path(t) for t in texts])
    for p in sorted(missing):
        print(f"missing {p}")
    print("ready", flush=True)
    wait_for_exit()


def adds(store: LocalStore, n: int, prefix: str, pause: float) -> None:
    """Add a chain of paths, each referencing the one before."""
    prev: list[StorePath] = []
    for i in range(n):
        data = f"{prefix} {i} {os.getpid()} {' '.join(map(str, prev))}\n".encode()
        prev = [store.add_bytes(data, f"{prefix}{i}", references=prev).path]
        print(prev[0], flush=True)
        time.sleep(pause)
    print("done", flush=True)
    wait_for_exit()


def do_import(store: LocalStore, file: str) -> None:
    """Import an export stream and report its paths."""
    with open(file, "rb") as f:
        for info in import_paths(store, f, file):
            print(info.path)
    print("done", flush=True)
    wait_for_exit()


class Worker:
    """Adds paths, roots and unroots some, and checks that nothing it holds goes away."""

    def __init__(self, store: LocalStore, ident: str, seed: int) -> None:
        self.store = store
        self.ident = ident
        self.rng = random.Random(seed)
        self.held: list[StorePath] = []
        self.roots: dict[str, StorePath] = {}
        self.ops = 0
        self.failures: list[str] = []

    def step(self) -> None:
        """One random operation, then a check."""
        op = self.rng.random()
        if op < 0.5:
            self.add_held()
        elif op < 0.7:
            self.add_garbage_then_root()
        elif op < 0.85 and self.held:
            name = f"{self.ident}-{self.ops}"
            path = self.rng.choice(self.held)
            add_root(self.store, name, path)
            self.roots[name] = path
        elif self.roots:
            name = self.rng.choice(sorted(self.roots))
            remove_root(self.store, name)
            del self.roots[name]
        self.ops += 1
        self.check()

    def add_held(self) -> None:
        """A path referencing some of ours: our temp roots keep all of them."""
        refs = self.rng.sample(self.held, min(len(self.held), self.rng.randint(0, 3)))
        data = f"{self.ident} {self.ops} {self.rng.random()} {' '.join(map(str, refs))}\n".encode()
        self.held.append(self.store.add_bytes(data, f"w{self.ident}-{self.ops}",
                                              references=refs).path)

    def add_garbage_then_root(self) -> None:
        """A path added by a short-lived process is garbage; rooting it may race the GC."""
        fd, src = tempfile.mkstemp(prefix=f"stress-{self.ident}-")
        with os.fdopen(fd, "w") as f:
            f.write(f"{self.ident} {self.ops} {self.rng.random()}\n")
        r = subprocess.run([sys.executable, "-m", "sx.cli.main", "store", "add", src],
                           capture_output=True, text=True, check=False)
        os.unlink(src)
        if r.returncode != 0:
            err = r.stderr.strip()[-1500:].replace("\n", " | ")
            self.failures.append(f"FAIL {self.ident}: sx store add: {err}")
            return
        path = self.store.parse_path(r.stdout.strip())
        name = f"{self.ident}-g{self.ops}"
        try:
            add_root(self.store, name, path)
        except NotFound:
            return  # collected in between: correct, it was garbage
        self.roots[name] = path

    def check(self) -> None:
        """Everything we hold or root must be valid with its whole closure."""
        want = self.held + list(self.roots.values())
        try:
            closure = self.store.closure(want)
        except (NotFound, MissingReference) as e:
            self.failures.append(f"FAIL {self.ident} after {self.ops} ops: {e}")
            return
        gone = [p for p in closure if not os.path.lexists(self.store.real_path(p))]
        if gone:
            self.failures.append(f"FAIL {self.ident}: {gone[0]} valid but missing on disk")


def stress(store: LocalStore, seconds: float, ident: str) -> None:
    """Run :class:`Worker` steps until the deadline; report."""
    worker = Worker(store, ident, seed=hash(ident) & 0xFFFF)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not worker.failures:
        worker.step()
    for f in worker.failures:
        print(f)
    print(f"ok {worker.ops} {len(worker.roots)}", flush=True)
    wait_for_exit()


BUILD_RECIPE = """
from sx.derivations.model import Source, derivation

busybox = Source({busybox!r}, "busybox")
sh = f"{{busybox}}/bin/sh"


def top():
    a = derivation("{name}-a", sh, ["-c", "echo {name} > $out"], srcs=[busybox])
    script = f"sleep 0.2; cat {{a.out}} > $out; echo {{a.out}} >> $out"
    return derivation("{name}-b", sh, ["-c", script], inputs=[a], srcs=[busybox])
"""


class Builder:
    """Realizes fresh recipes; out-linked results must stay valid with their closures."""

    def __init__(self, store: LocalStore, ident: str, work: str) -> None:
        self.store = store
        self.ident = ident
        self.work = work
        self.rng = random.Random(ident)
        self.links: dict[str, StorePath] = {}
        self.builds = 0
        self.failures: list[str] = []

    def step(self) -> None:
        """Realize one new recipe (maybe with an out-link), then check what is linked."""
        name = f"{self.ident}-{self.builds}"
        recipe = os.path.join(self.work, f"{name}.py")
        with open(recipe, "w") as f:
            f.write(BUILD_RECIPE.format(busybox=os.path.join(self.work, "busybox"), name=name))
        link = os.path.join(self.work, f"result-{name}")
        args = ["realize", "-q", f"{recipe}:top"] + (["-o", link] if self.builds % 2 else [])
        r = subprocess.run([sys.executable, "-m", "sx.cli.main", *args],
                           capture_output=True, text=True, check=False)
        self.builds += 1
        if r.returncode != 0:
            err = r.stderr.strip()[-1500:].replace("\n", " | ")
            self.failures.append(f"FAIL {name}: sx realize: {err}")
            return
        out = self.store.parse_path(r.stdout.strip())
        if os.path.islink(link):
            self.links[link] = out
        if self.links and self.rng.random() < 0.3:
            old = self.rng.choice(sorted(self.links))
            os.unlink(old)
            del self.links[old]
        self.check()

    def check(self) -> None:
        """Every out-linked output is valid, complete and readable."""
        for link, path in self.links.items():
            try:
                closure = self.store.closure([path])
            except NotFound as e:
                self.failures.append(f"FAIL {link}: {e}")
                return
            if not all(os.path.lexists(self.store.real_path(p)) for p in closure):
                self.failures.append(f"FAIL {link}: closure of {path} missing on disk")


def builds(store: LocalStore, seconds: float, ident: str, work: str) -> None:
    """Run :class:`Builder` steps until the deadline; report."""
    b = Builder(store, ident, work)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not b.failures:
        b.step()
    for f in b.failures:
        print(f)
    print(f"ok {b.builds} {len(b.links)}", flush=True)
    wait_for_exit()


def main(argv: list[str]) -> int:
    """Dispatch on the mode."""
    root, mode, *args = argv
    store = LocalStore(root)
    if mode == "hold":
        hold(store, args)
    elif mode == "adds":
        adds(store, int(args[0]), args[1], float(args[2]) if len(args) > 2 else 0.0)
    elif mode == "import":
        do_import(store, args[0])
    elif mode == "stress":
        stress(store, float(args[0]), args[1])
    elif mode == "builds":
        builds(store, float(args[0]), args[1], args[2])
    else:
        print(f"unknown mode {mode}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
