"""A build killed between moving its output into the store and the commit leaves nothing.

Small outputs are registered from the run's own temp dir (the scratch area),
whose lock names the store entry about to be created: the next open of the
store removes the entry, which no transaction registered.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sx.derivations.model import Source
from sx.store.local import LocalStore

# Realizes one derivation and dies (os._exit, as kill -9 would) right after
# its output has been moved into the store, before the transaction commits.
_CRASH = """
import os, sys
import sx.store.fsutil as fsutil
from sx.derivations.build.progress import Progress
from sx.derivations.build.scheduler import BuildOptions, realize
from sx.derivations.model import Source, derivation
from sx.store.local import LocalStore

real = fsutil.move_in
def move_in(src, dest):
    real(src, dest)
    if dest.endswith("-crash"):
        print(dest, flush=True)
        os._exit(9)
fsutil.move_in = move_in
bb = Source(sys.argv[2], "busybox")
drv = derivation("crash", f"{bb}/bin/sh", ["-c", "echo hi > $out"], srcs=[bb])
realize(LocalStore(sys.argv[1]), [drv], BuildOptions(progress=Progress(quiet=True, live=False)))
"""


def test_a_crash_between_move_and_commit_leaves_no_unregistered_output(
        tmp_path: Path, busybox: Source) -> None:
    root = str(tmp_path / "root")
    proc = subprocess.run([sys.executable, "-c", _CRASH, root, busybox.local],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 9, proc.stderr
    moved = proc.stdout.strip()
    assert os.path.isfile(moved)  # in the store, and not registered
    base = os.path.basename(moved)
    tmp = os.path.join(root, "tmp")
    named = [n for n in os.listdir(tmp) if n.endswith(".lock")
             and base in Path(tmp, n).read_text().split()]
    assert len(named) == 1  # the run's temp dir said what it was about to create
    store = LocalStore(root)
    assert not os.path.lexists(moved)
    assert os.listdir(store.tmp) == []
    assert all(not p.base.endswith("-crash") for p in store.all_paths())
