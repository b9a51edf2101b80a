"""stage1 as one name: the index of every tool from cc0 to mes-m2."""

from __future__ import annotations

from sx.derivations.bootstrap.stage1 import cc1, mes, mescc_tools
from sx.derivations.model import BUILTIN_WRITE, Derivation, derivation


def tools() -> dict[str, Derivation]:
    """stage1's tools by name, in build order."""
    return {"cc1-0": cc1.cc1_from_cc0(), "cc1": cc1.cc1(),
            **{name: drv for name, drv in mescc_tools.tools().items()},
            "apply-diff": mes.apply_diff(), "mes-m2": mes.mes_m2()}


def stage1() -> Derivation:
    """An index file (one line per tool with its store path); its closure is all of stage1."""
    ts = tools()
    text = "".join(f"{name} {drv.out}\n" for name, drv in ts.items())
    return derivation("stage1", BUILTIN_WRITE, env={"text": text}, inputs=list(ts.values()),
                      system="builtin")
