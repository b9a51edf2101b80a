"""Realizing derivations: write their ``.drv`` files, fetch what caches provide, build the rest.

:func:`realize` plans from this store's records (``plan.py``), asks the
configured caches top-down what they provide (``topdown.py``, records only)
and downloads exactly the runtime closures of that. Only when something is
left to build does it start the scheduler (``scheduler.py``: trio, the
sandbox, ``-j N`` slots). A run that only fetches therefore never loads the
builder: no trio, no sandbox set-up, which is most of what such a run would
otherwise spend.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sx.derivations.build.errors import NotSubstitutable
from sx.derivations.build.plan import Plan, make_plan
from sx.derivations.build.progress import Progress
from sx.derivations.build.settings import DEFAULT_APT_DIR, DEFAULT_MAX_LOG, DEFAULT_MAX_PIDS
from sx.derivations.build.substitute import Substituter
from sx.derivations.graph import build_order
from sx.derivations.instantiate import instantiate
from sx.derivations.model import Derivation
from sx.store.info import PathInfo
from sx.store.local import LocalStore
from sx.store.path import StorePath
from sx.store.roots import protect

TYPE_CHECKING = False  # typing only for the checker: it costs every start (cli/main.py)
if TYPE_CHECKING:
    from sx.derivations.build.sandbox import Sandbox


class BuildOptions:
    """How to realize (keyword arguments, each with a default).

    * ``jobs``: builds at once; 0 means the number of CPUs.
    * ``keep_going``, ``dry_run``.
    * ``check``: rebuild the roots even when realized, and compare;
      ``check_closure`` (with ``check``): every derivation of their closure.
    * ``no_build``: only substitute; a missing output is an error.
    * ``timeout``; ``max_log_size``: bytes of builder output before the
      build is killed; ``max_pids``: processes and threads of one build;
      ``max_memory``: bytes; ``max_cpu_time``: seconds (None: no limit).
    * ``print_logs``: echo every build's output, each line prefixed by its
      name (``-L``); ``keep_failed``: keep a failed build's ``/build`` and
      say where (``-K``).
    * ``apt_dir``; ``allowed_files``: files (or directories) ``file://``
      fetches may read besides the configured ones.
    * ``progress``; ``sandbox``; ``sandbox_mode``: the ``sandbox`` setting,
      for the engine made when something is built (``sandbox`` unset).
    * ``substitute``: ask the configured caches (off: only this store
      counts); ``config``: cache settings overriding the configuration file.
    * ``remote``: a remote execution engine (``grpc[s]://host:port[/instance]``)
      for sandboxed builds; ``remote_fallback``: build locally when it cannot
      be reached; ``remote_jobs``: remote actions in flight at once.

    A plain class, not a dataclass: ``dataclasses`` costs every ``sx
    realize`` its import and a generated ``__init__`` per class.
    """

    def __init__(self, *, jobs: int = 0, keep_going: bool = False, dry_run: bool = False,
                 check: bool = False, check_closure: bool = False, no_build: bool = False,
                 timeout: float | None = None, max_log_size: int | None = DEFAULT_MAX_LOG,
                 max_pids: int | None = DEFAULT_MAX_PIDS, max_memory: int | None = None,
                 max_cpu_time: float | None = None, print_logs: bool = False,
                 keep_failed: bool = False, apt_dir: str = DEFAULT_APT_DIR,
                 allowed_files: tuple[str, ...] = (), progress: Progress | None = None,
                 sandbox: Sandbox | None = None, sandbox_mode: str = "auto",
                 substitute: bool = True, config: Mapping[str, object] | None = None,
                 remote: str | None = None, remote_fallback: bool = False,
                 remote_jobs: int = 64) -> None:
        self.jobs = jobs
        self.keep_going = keep_going
        self.dry_run = dry_run
        self.check = check
        self.check_closure = check_closure
        self.no_build = no_build
        self.timeout = timeout
        self.max_log_size = max_log_size
        self.max_pids = max_pids
        self.max_memory = max_memory
        self.max_cpu_time = max_cpu_time
        self.print_logs = print_logs
        self.keep_failed = keep_failed
        self.apt_dir = apt_dir
        self.allowed_files = allowed_files
        self.progress = progress
        self.sandbox = sandbox
        self.sandbox_mode = sandbox_mode
        self.substitute = substitute
        self.config = config
        self.remote = remote
        self.remote_fallback = remote_fallback
        self.remote_jobs = remote_jobs

    def __repr__(self) -> str:
        return f"BuildOptions({', '.join(f'{k}={v!r}' for k, v in vars(self).items())})"

    def replace(self, **changes: object) -> BuildOptions:
        """A copy with ``changes`` (by option name); an unknown name is a TypeError."""
        values = {**vars(self), **changes}
        return BuildOptions(**values)


class Outcome:
    """What a realization did.

    ``outputs``: per root, its output paths; ``fetched``: the paths
    downloaded from caches and registered; ``downloaded``: compressed bytes
    received from caches (failed attempts included).
    """

    __slots__ = ("built", "cached", "downloaded", "fetched", "outputs", "plan", "substituted")

    def __init__(self, outputs: list[dict[str, StorePath]], plan: Plan | None = None) -> None:
        self.outputs = outputs
        self.built: list[Derivation] = []
        self.substituted: list[Derivation] = []
        self.cached: list[Derivation] = []
        self.plan = plan
        self.fetched: list[PathInfo] = []
        self.downloaded = 0


def to_check(roots: list[Derivation], opts: BuildOptions) -> list[Derivation]:
    """The derivations ``--check`` rebuilds: the roots, or their whole closure.

    With ``check_closure`` fixed outputs are included: they are fetched (or
    written) again and their declared hashes verified.
    """
    if not opts.check:
        return []
    return build_order(roots) if opts.check_closure else roots



def _protected_plan(store: LocalStore, roots: list[Derivation],
                    force: Sequence[Derivation]) -> Plan:
    """A plan whose known outputs are temp roots of this process (so stay valid).

    A path collected between planning and protecting makes its derivation
    needed again: plan once more (a collection can only remove so much).
    """
    for _ in range(3):
        plan = make_plan(store, roots, force)
        if not protect(store, plan.known.values()):
            return plan
    return make_plan(store, roots, force)


def realize(store: LocalStore, roots: Sequence[Derivation],
            opts: BuildOptions | None = None) -> Outcome:
    """Realize ``roots``: write their ``.drv`` files, fetch what caches provide, build the rest.

    Returns the output paths per root. Raises :class:`BuildError` when a
    build failed (after the others were cancelled, or finished with
    ``keep_going``), or the :class:`StorageError` of a store that failed
    while building, substituting or registering (never disguised as a
    build failure); with ``dry_run`` nothing is written, fetched or built
    and the outcome's ``plan`` says what would be (the caches are asked,
    records only).
    """
    opts = opts or BuildOptions()
    roots = list(roots)
    checked = to_check(roots, opts)
    progress = opts.progress or Progress(quiet=True)
    opts = opts.replace(progress=progress)
    subst = Substituter(store, progress, opts.config) if opts.substitute else None
    if opts.dry_run:
        plan = make_plan(store, roots, checked)
        if subst is not None:
            subst.prepare(plan, roots, checked, True)
        outs = [_promised(plan, r) for r in roots]
        return Outcome(outs, plan=plan)
    instantiate(store, roots)
    plan = _protected_plan(store, roots, checked)
    outcome = Outcome([])
    try:
        if plan.needed and subst is not None:
            subst.load()  # a bad configuration is an error before anything is fetched
            subst.prepare(plan, roots, checked)
            outcome.substituted += [d for d in plan.substitute if plan.outputs_of(d)]
        if plan.needed and opts.no_build:
            raise NotSubstitutable(f"realize {plan.needed[0].drv_path}: not substitutable "
                                   "and --no-build was given")
        progress.set_total(len(plan.needed))
        if plan.needed:
            from sx.derivations.build.scheduler import build  # trio and the sandbox

            build(store, opts, plan, checked, subst, outcome)
    finally:
        progress.close()
        if subst is not None:
            outcome.fetched = subst.fetched
            outcome.downloaded = subst.meter.received
    outcome.outputs = [plan.outputs_of(r) or {} for r in roots]
    outcome.plan = plan
    return outcome


def _promised(plan: Plan, drv: Derivation) -> dict[str, StorePath]:
    """The outputs ``drv`` has, or will have once the planned paths are fetched."""
    out = {}
    for o in drv.output_names:
        p = plan.known.get((drv.drv_path, o)) or plan.promised.get((drv.drv_path, o))
        if p is None:
            return {}
        out[o] = p
    return out
