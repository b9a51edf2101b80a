"""Diverse double-compiling: the same stages started from different seeds.

A *target* maps a seed name to the ordered stages it builds. Realizing every
seed's stages and comparing the output paths per stage says where the seeds
stop mattering: with content-addressed outputs, stages that produce the same
bytes have literally the same store path (and are stored once).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sx.derivations.bootstrap.toolchain.tcc import SEEDS, tcc_stages
from sx.derivations.model import Derivation
from sx.store.errors import InvalidInput, NotFound
from sx.store.path import StorePath

Stages = list[tuple[str, Derivation]]

TARGETS: dict[str, Callable[[str], Stages]] = {
    "tcc": lambda seed: tcc_stages(seed, 2),
    "tcc-fixpoint": lambda seed: tcc_stages(seed, 3),
}
"""DDC targets: name -> (seed name -> [(stage, derivation)]), in build order."""

DEFAULT_SEEDS = SEEDS
"""The seeds ``sx ddc`` starts from when none is named: hex0 and the three binary seeds."""


def target_stages(target: str, seeds: Sequence[str]) -> dict[str, Stages]:
    """Every seed's stages of ``target``; at least two distinct seeds are needed."""
    make = TARGETS.get(target)
    if make is None:
        raise NotFound(f"find DDC target {target}: unknown (known: {', '.join(sorted(TARGETS))})")
    if len(set(seeds)) < 2:
        raise InvalidInput(f"compare {target}: diverse double-compiling needs two or more "
                           "distinct seeds")
    out = {s: make(s) for s in dict.fromkeys(seeds)}
    names = {tuple(n for n, _ in st) for st in out.values()}
    if len(names) != 1:
        raise InvalidInput(f"compare {target}: the seeds do not build the same stages")
    return out


@dataclass(frozen=True)
class StageResult:
    """One stage across the seeds."""

    stage: str
    paths: Mapping[str, StorePath]
    """seed -> output path (the ``out`` output)."""

    @property
    def converged(self) -> bool:
        """True when every seed gave the same store path."""
        return len(set(self.paths.values())) == 1


@dataclass(frozen=True)
class Report:
    """The outcome of a DDC run."""

    target: str
    seeds: tuple[str, ...]
    stages: tuple[StageResult, ...]

    @property
    def first_divergence(self) -> str | None:
        """The first stage whose outputs differ between seeds (None: none differ)."""
        return next((s.stage for s in self.stages if not s.converged), None)

    @property
    def converged_from(self) -> str | None:
        """The earliest stage from which every later stage converges (None: the last differs)."""
        start = None
        for s in reversed(self.stages):
            if not s.converged:
                break
            start = s.stage
        return start

    @property
    def ok(self) -> bool:
        """True when the final stage converges: the seed does not matter for the result."""
        return bool(self.stages) and self.stages[-1].converged


def compare(target: str, stages: Mapping[str, Stages],
            outputs: Mapping[str, Sequence[StorePath]]) -> Report:
    """Build the report from each seed's realized ``out`` paths (in stage order)."""
    seeds = tuple(stages)
    names = [n for n, _ in next(iter(stages.values()))]
    results = []
    for i, name in enumerate(names):
        results.append(StageResult(name, {s: outputs[s][i] for s in seeds}))
    return Report(target, seeds, tuple(results))
