"""Top-down substitution: a fresh store realizes a cached result; sx vs ``nix build``.

The same four-level shape for both tools: ``noise`` (24 MB of pseudo-random
text from awk) and ``toolchain`` (24 MB made from it) are needed only to
build; ``lib`` (4 KiB cut from the toolchain) is referred to by ``app``, a
small result. Every step runs a static busybox that both expressions take
as the same local source directory (``bb/bin/{busybox,sh}``, 2 MB), so
each tool's evaluation copies and hashes that source into the fresh store
(Nix's ``builtins.path``, sx's ``Source``) before it asks the cache. Each
tool builds all four once, signs them and copies all of them to a
``file://`` cache (zstd for both); then, per run, a fresh store realizes
``app`` from that cache with signatures checked:

* sx: ``sx --root FRESH realize --json recipe.py:app`` (sandboxed; the
  fresh root's config names the cache and the key);
* Nix: ``nix build -f shape.nix app --store FRESH`` (a chroot store; the
  derivations are input-addressed; the substituter and key on the command
  line).

Both end with the source, the ``.drv`` files and exactly ``app`` and
``lib`` in the fresh store; the bench checks that.

Printed: the median wall times and their ratio (runs alternate which tool
goes first), and the bytes each fetched next to the compressed size of the
result's runtime closure in its cache (the target: equal). Two floors are
measured in the same runs and printed against Nix: starting the
interpreter (``python -c pass``), and starting it and importing the
libraries the fetch path cannot do without (LMDB, msgpack, BLAKE3, zstd,
ed25519 from ``cryptography``): no Python program that checks these
answers can be faster than the second. sx runs with
its bytecode cached, as an installed sx does. ``SX_BENCH_RUNS`` sets the
number of runs (default 5), as does ``--runs N``.

Run alone: ``python bench/subst_bench.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys

from common import (
    Sample,
    medians,
    print_header,
    print_ratio,
    remove_tree,
    require_tools,
    rotate,
    run,
    scratch_dir,
    timed,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sx.derivations.model import Source

NIX_CONFIG = ("build-users-group =\nexperimental-features = nix-command\nsubstituters =\n"
              "sandbox = false\n")
NIX_ENV = {**os.environ, "NIX_CONFIG": NIX_CONFIG}
SX_ENV = {k: v for k, v in os.environ.items()
          if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith("SX_")}
LEVELS = ("noise", "toolchain", "lib", "app")
NOISE_LINES = 1500000
NOISE = ("awk 'BEGIN { srand(7); for (i = 0; i < LINES; i++) printf \"%08x%08x\", "
         "int(rand() * 4294967296), int(rand() * 4294967296) }'")

SX_RECIPE = '''
from sx.derivations.model import Source, derivation

bb = Source({bb!r}, "busybox")
B = f"{{bb}}/bin/busybox"


def step(name, script, inputs=()):
    return derivation(name, f"{{bb}}/bin/sh", ["-c", script], inputs=list(inputs), srcs=[bb])


noise = step("noise", B + " " + {noise!r} + " > $out")
toolchain = step("toolchain", f"{{B}} tr 0-9a-f a-f0-9 < {{noise.out}} > $out", [noise])
lib = step("lib", f"{{B}} mkdir $out && {{B}} head -c 4096 {{toolchain.out}} > $out/lib.a",
           [toolchain])
app = step("app", f"{{B}} mkdir $out && echo 'links {{lib.out}}/lib.a' > $out/app", [lib])
'''

NIX_SHAPE = '''
let
  bb = builtins.path {{ path = {bb}; name = "busybox"; }};
  B = "${{bb}}/bin/busybox";
  step = name: script: derivation {{
    inherit name;
    system = builtins.currentSystem;
    builder = "${{bb}}/bin/sh";
    args = [ "-c" script ];
  }};
  noise = step "noise" "${{B}} {noise} > $out";
  toolchain = step "toolchain" "${{B}} tr 0-9a-f a-f0-9 < ${{noise}} > $out";
  lib = step "lib" "${{B}} mkdir $out && ${{B}} head -c 4096 ${{toolchain}} > $out/lib.a";
  app = step "app" "${{B}} mkdir $out && echo 'links ${{lib}}/lib.a' > $out/app";
in {{ inherit bb noise toolchain lib app; }}
'''


def _sx(*args: str) -> list[str]:
    from common import sx_command

    return [*sx_command(), *args]


def busybox_source(base: str) -> Source:
    """The recipe's one local source, the same tree for both tools: a static busybox."""
    from sx.derivations.examples import busybox_tree

    return busybox_tree(os.path.join(base, "bb"), shutil.which("busybox") or "/bin/busybox")


class SxSide:
    """The sx recipe built, signed and cached; fresh roots on demand."""

    def __init__(self, base: str, noise: str) -> None:
        self.base = base
        bb = busybox_source(base)
        self.recipe = os.path.join(base, "recipe.py")
        with open(self.recipe, "w") as f:
            f.write(SX_RECIPE.format(bb=bb.local, noise=noise))
        root = os.path.join(base, "sx-src")
        env = {**SX_ENV, "SX_ROOT": root}
        outs = run(_sx("realize", "-q", *(f"{self.recipe}:{n}" for n in LEVELS)), env=env)
        self.outputs = dict(zip(LEVELS, outs.split(), strict=True))
        key = os.path.join(base, "sx.sec")
        self.public = run(_sx("key", "generate", "--name", "bench", "-o", key), env=env).strip()
        run(_sx("sign", "--key", key, *self.outputs.values()), env=env)
        self.cache = os.path.join(base, "sx-cache")
        run(_sx("copy", "--to", f"file://{self.cache}", *self.outputs.values()), env=env)

    def runtime_bytes(self) -> int:
        """Compressed size of the archives of app and lib in the cache."""
        from sx.store.cache import open_cache
        from sx.store.cache.layout import CachedPath, info_key
        from sx.store.path import StorePath

        cache = open_cache(f"file://{self.cache}")
        total = 0
        for name in ("app", "lib"):
            p = StorePath.parse(self.outputs[name])
            rec = CachedPath.decode(cache.get_bytes(info_key(p)) or b"", p, cache.url)
            total += rec.file_size
        return total

    def realize(self, i: int) -> tuple[Sample, int]:
        root = os.path.join(self.base, f"sx-dst-{i}")
        os.makedirs(os.path.join(root, "etc"))
        with open(os.path.join(root, "etc", "sx.conf"), "w") as f:
            f.write(f'substituters = ["file://{self.cache}"]\n'
                    f'trusted-public-keys = ["{self.public}"]\n')
        took, out = timed(_sx("--root", root, "realize", "--json", f"{self.recipe}:app"), SX_ENV)
        got = json.loads(out)
        if got["built"] or got["outputs"] != [{"out": self.outputs["app"]}]:
            raise SystemExit(f"bench: sx did not substitute the result: {got}")
        return took, int(got["downloaded"])


class NixSide:
    """The same shape in Nix: built, signed, copied to a file:// cache with zstd."""

    def __init__(self, base: str, noise: str) -> None:
        self.base = base
        self.shape = os.path.join(base, "shape.nix")
        with open(self.shape, "w") as f:
            f.write(NIX_SHAPE.format(bb=busybox_source(base).local,
                                     noise=noise.replace("\"", "\\\"")))
        outs = run(["nix-build", self.shape, "--no-out-link",
                    *(a for n in LEVELS for a in ("-A", n))], env=NIX_ENV).split()
        self.outputs = dict(zip(LEVELS, outs, strict=True))
        # The source's store path: evaluation copies it into every fresh store, as sx does.
        self.source = run(["nix", "eval", "--raw", "-f", self.shape, "bb"], env=NIX_ENV).strip()
        sec, pub = os.path.join(base, "nix.sec"), os.path.join(base, "nix.pub")
        run(["nix-store", "--generate-binary-cache-key", "bench-1", sec, pub], env=NIX_ENV)
        with open(pub) as f:
            self.public = f.read().strip()
        self.cache = os.path.join(base, "nix-cache")
        run(["nix", "copy", "--to", f"file://{self.cache}?compression=zstd&secret-key={sec}",
             *self.outputs.values()], env=NIX_ENV)

    def file_size(self, path: str) -> int:
        digest = os.path.basename(path).split("-", 1)[0]
        with open(os.path.join(self.cache, f"{digest}.narinfo")) as f:
            for line in f:
                if line.startswith("FileSize: "):
                    return int(line.split()[1])
        raise SystemExit(f"bench: no FileSize for {path}")

    def runtime_bytes(self) -> int:
        closure = run(["nix-store", "-qR", self.outputs["app"]], env=NIX_ENV).split()
        return sum(self.file_size(p) for p in closure)

    def realize(self, i: int) -> tuple[Sample, int]:
        dest = os.path.join(self.base, f"nix-dst-{i}")
        took, _ = timed(["nix", "build", "-f", self.shape, "app",
                          "--store", dest, "--substituters", f"file://{self.cache}",
                          "--trusted-public-keys", self.public, "--no-link"], NIX_ENV)
        got = run(["nix", "path-info", "--store", dest, "--all"], env=NIX_ENV).split()
        if self.source not in got:
            raise SystemExit(f"bench: nix did not copy the source {self.source}")
        fetched = [p for p in got if not p.endswith(".drv") and p != self.source]
        if sorted(fetched) != sorted([self.outputs["app"], self.outputs["lib"]]):
            raise SystemExit(f"bench: nix fetched {fetched}")
        return took, sum(self.file_size(p) for p in fetched)


# What any Python program that checks these caches' answers pays before its
# first line of work: the interpreter, then the libraries the trust checks
# and the store need (LMDB, msgpack, BLAKE3, zstd, ed25519).
FLOORS = (
    ("floor: python -c pass", "pass"),
    ("floor: + fetch libraries", "import lmdb, msgpack, blake3, zstandard\n"
     "from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey"),
)


def _floor(code: str) -> Sample:
    return timed([sys.executable, "-c", code], SX_ENV)[0]


def main(argv: list[str] | None = None) -> None:
    """Measure and print medians, the ratio and the bytes fetched."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=int(os.environ.get("SX_BENCH_RUNS", "5")))
    ap.add_argument("--noise-lines", type=int, default=NOISE_LINES,
                    help="16-byte lines of the build-only input (default: 24 MB)")
    args = ap.parse_args(argv if argv is not None else sys.argv[1:])
    runs = args.runs
    noise = NOISE.replace("LINES", str(args.noise_lines))
    require_tools("nix", "nix-build", "nix-store", "bwrap")
    base = scratch_dir("subst")
    try:
        sx, nix = SxSide(base, noise), NixSide(base, noise)
        sx.realize(-1)  # write sx's bytecode once, as an install does
        print_header(f"fresh-store realize of a cached result (build-time inputs "
                     f"{args.noise_lines * 32 / 1e6:.0f} MB, "
                     f"runtime closure 2 paths), medians of {runs}")
        floor_runs = [lambda _, code=code: _floor(code) for _, code in FLOORS]
        ours, peer, *floors = rotate(runs, [sx.realize, nix.realize, *floor_runs])
        nix_time = medians([t for t, _ in peer])
        print_ratio("realize from file:// cache", medians([t for t, _ in ours]), nix_time,
                    "nix", 1.0)
        for (label, _), got in zip(FLOORS, floors, strict=True):
            print_ratio(label, medians(got), nix_time, "nix")
        for name, side, got in (("sx", sx, ours), ("nix", nix, peer)):
            want = side.runtime_bytes()
            fetched = {b for _, b in got}
            verdict = "equal" if fetched == {want} else "NOT equal"
            print(f"{name:<4} bytes fetched {sorted(fetched)}, runtime closure {want} "
                  f"({verdict})", flush=True)
    finally:
        remove_tree(base)


if __name__ == "__main__":
    main()
