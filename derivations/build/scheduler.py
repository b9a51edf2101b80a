"""Realizing a derivation graph: top-down substitution, then a trio nursery with ``-j N`` slots.

First the configured caches are asked, from records alone, about the roots
and only as deep as needed (``topdown.py``); exactly the runtime closures of
what they can provide are downloaded. Every derivation left to build gets a
task that waits for its inputs, resolves itself (inputs replaced by the
paths they realized to), and looks its resolved hash up, locally and in the
caches: a hit means nothing to build (early cutoff: a rebuilt input with the
same bytes changes nothing downstream). Otherwise it builds in the sandbox
holding one slot of a :class:`trio.CapacityLimiter`. A failure cancels the
nursery (unless ``keep_going``): running sandboxes are killed, temp dirs
removed, and nothing partial is registered. Ctrl-C and SIGTERM do the same;
every build has ended (no process of it left) before :func:`realize` returns
or raises.
"""

from __future__ import annotations

import os
import secrets
import signal
import stat
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import trio
from sx.derivations.build.builtins import BuiltinContext, reported_error, sandboxed_spec
from sx.derivations.build.errors import (
    BuilderFailed,
    BuildError,
    CheckMismatch,
    DependencyFailed,
    NotSubstitutable,
    Terminated,
)
from sx.derivations.build.limits import Limits
from sx.derivations.build.localfiles import AllowedFiles, configured
from sx.derivations.build.logs import BuildLog, LineEcho, read_log, tail_lines
from sx.derivations.build.outputs import (
    check_expected,
    finalize_fixed,
    finalize_floating,
    scratch_path,
)
from sx.derivations.build.plan import Plan, Realized, lookup
from sx.derivations.build.progress import Progress
from sx.derivations.build.realisations import write_realisations
from sx.derivations.build.realize import BuildOptions, Outcome, realize
from sx.derivations.build.runner import run_sandboxed
from sx.derivations.build.sandbox import SandboxSpec, default_sandbox
from sx.derivations.build.scratch import ScratchArea
from sx.derivations.build.substitute import Substituter
from sx.derivations.hashing import (
    own_output_placeholder,
    realisation_deps,
    resolve_map,
    resolved_hash,
    substitute,
)
from sx.derivations.model import BUILTIN_FETCHURL, Derivation
from sx.store.errors import StorageError, StoreError
from sx.store.hashing import Digest
from sx.store.info import PathInfo, Realisation
from sx.store.local import LocalStore, TempDir
from sx.store.path import StorePath
from sx.store.roots import protect

if TYPE_CHECKING:
    from sx.derivations.build.remote.executor import RemoteExecutor

# realize and its options are defined in realize.py; importable here as they always were.
__all__ = ["BuildOptions", "Outcome", "build", "realize"]

# Outputs up to this size (single files) are registered without a thread hop.
SMALL_OUTPUT = 1 << 20
# How long finished builds' realisations wait to be written together.
FLUSH_DELAY = 0.05


class _Run:
    """One realization: shared state of the tasks."""

    def __init__(self, store: LocalStore, opts: BuildOptions, plan: Plan,
                 checked: Sequence[Derivation], substituter: Substituter | None,
                 outcome: Outcome) -> None:
        self.store = store
        self.opts = opts
        self.plan = plan
        self.known: Realized = plan.known
        self.progress = opts.progress or Progress(quiet=True)
        self.sandbox = opts.sandbox or default_sandbox(opts.sandbox_mode)
        self.limiter = trio.CapacityLimiter(opts.jobs or os.cpu_count() or 1)
        self.events: dict[Derivation, trio.Event] = {}
        self.failed: dict[Derivation, BuildError | StorageError] = {}
        self.check_roots = set(checked)
        self.closures: dict[StorePath, frozenset[StorePath]] = {}
        self.outcome = outcome
        self.substituter = substituter
        self.remote: RemoteExecutor | None = None
        self.allowed = AllowedFiles()
        self._cancel: Callable[[], None] = lambda: None
        self.scratch: ScratchArea
        self.area: TempDir
        """The run's locked temp dir: the scratch area, and small outputs registered from it."""
        self.logged: set[Derivation] = set()
        self.fresh: dict[tuple[Digest, str], StorePath] = {}
        self._pending: list[tuple[Realisation, StorePath]] = []
        self._wake = trio.Event()
        self._ended = trio.Event()
        """Set when the run is over: nothing is gathered or waited for any longer."""
        self._signals = trio.CancelScope()
        self.terminated = False
        self.limits = Limits(opts.max_pids, opts.max_memory, opts.max_cpu_time)

    # ---- the graph ------------------------------------------------------------

    async def run(self, area: TempDir) -> None:
        self.events = {d: trio.Event() for d in self.plan.needed}
        self.area = area
        self.scratch = ScratchArea(area.path)
        try:
            async with trio.open_nursery() as outer:
                outer.start_soon(self.scratch.reaper)
                outer.start_soon(self._flusher)
                outer.start_soon(self.progress.tick)
                try:
                    async with trio.open_nursery() as nursery:
                        self._cancel = nursery.cancel_scope.cancel
                        await outer.start(self._on_sigterm)
                        for drv in self.plan.needed:
                            nursery.start_soon(self._task, drv, name=drv.name)
                finally:
                    self.progress.stop()
                    self._signals.cancel()
                    self.scratch.close()
                    self._ended.set()
                    self._wake.set()
        finally:
            self.scratch.drain()
            self.flush()

    async def _on_sigterm(self, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED
                          ) -> None:
        """SIGTERM stops the run as Ctrl-C does (each build is killed and waited for)."""
        with self._signals:
            try:
                receiver = trio.open_signal_receiver(signal.SIGTERM)
            except RuntimeError:  # not the main thread: leave SIGTERM alone
                task_status.started()
                return
            with receiver as signals:
                task_status.started()
                async for _ in signals:
                    self.terminated = True
                    self._cancel()
                    return

    # ---- realisations, written in batches -------------------------------------

    def flush(self) -> None:
        """Write the pending realisations (one transaction)."""
        items, self._pending = self._pending, []
        write_realisations(self.store, items)

    async def _flusher(self) -> None:
        while not self._ended.is_set():
            await self._wake.wait()
            self._wake = trio.Event()
            # Gathers what finishes meanwhile into one transaction, while builds run.
            with trio.move_on_after(FLUSH_DELAY):
                await self._ended.wait()
            await trio.to_thread.run_sync(self.flush)

    def _realised(self, drv: Derivation, rhash: Digest) -> dict[str, StorePath] | None:
        """Outputs of ``drv`` recorded by this run or in the database (valid ones)."""
        mine = {o: self.fresh.get((rhash, o)) for o in drv.output_names}
        if all(mine.values()):
            return {o: p for o, p in mine.items() if p is not None}
        with self.store.db.read() as txn:
            return lookup(txn, drv, rhash)

    async def _task(self, drv: Derivation) -> None:
        try:
            for dep, _ in drv.input_drvs:
                ev = self.events.get(dep)
                if ev is not None:
                    await ev.wait()
            bad = next((d for d, _ in drv.input_drvs if d in self.failed), None)
            if bad is not None:
                raise DependencyFailed(f"build {drv.drv_path}: input {bad.drv_path} failed")
            await self._realize(drv)
        except (BuildError, StorageError) as e:
            self._fail(drv, e)
        except StoreError as e:
            # Bad input met while building (a fetched file's hash, a malformed
            # output) fails this build; a local storage failure keeps its family.
            err = BuildError(str(e))
            err.__cause__ = e
            self._fail(drv, err)
        finally:
            self.events[drv].set()

    def _fail(self, drv: Derivation, e: BuildError | StorageError) -> None:
        self.failed[drv] = e
        if not isinstance(e, DependencyFailed):
            self.progress.message(f"error: {e}")
            data = read_log(self.store.logs, drv.drv_path) if drv in self.logged else None
            if data is not None:
                for line in tail_lines(data, 10):
                    self.progress.message(f"  > {line}")
                self.progress.message(f"  full log: sx log {drv.drv_path}")
        if not self.opts.keep_going:
            self._cancel()

    # ---- one derivation -------------------------------------------------------

    def _resolved(self, drv: Derivation) -> Digest:
        # The plan's hash holds only if no input was rebuilt since (a rebuild
        # may realize to a different path).
        rhash = self.plan.resolved.get(drv)
        if rhash is None or any(d in self.events for d, _ in drv.input_drvs):
            rhash = resolved_hash(drv, self.known)
            self.plan.resolved[drv] = rhash
        return rhash

    def _record(self, drv: Derivation, outs: dict[str, StorePath]) -> None:
        for o, p in outs.items():
            self.known[(drv.drv_path, o)] = p

    async def _realize(self, drv: Derivation) -> None:
        rhash = self._resolved(drv)
        checking = drv in self.check_roots
        before = self._realised(drv, rhash)
        if before is not None and protect(self.store, before.values()):
            before = None  # collected since the plan was made: build it again
        if before is not None and not checking:
            self._record(drv, before)
            self.outcome.cached.append(drv)
            return
        if not checking and self.substituter is not None:
            subst = await trio.to_thread.run_sync(self.substituter.try_realize, drv, rhash)
            if subst is not None:
                self._record(drv, subst)
                self.outcome.substituted.append(drv)
                return
            if self.opts.no_build:
                raise NotSubstitutable(
                    f"realize {drv.drv_path}: not substitutable and --no-build was given")
        remote = self.remote is not None and self.remote.accepts(drv)
        limiter = self.remote.jobs if self.remote is not None and remote else self.limiter
        async with limiter:
            outs = await self._build(drv, rhash, "checking" if checking else None, remote)
        if checking and before is not None:
            await self._compare(drv, before, outs)
        self._record(drv, outs)
        self.outcome.built.append(drv)

    def _closure(self, paths: set[StorePath]) -> set[StorePath]:
        out: set[StorePath] = set()
        for p in paths:
            c = self.closures.get(p)
            if c is None:
                c = frozenset(self.store.closure([p]))
                self.closures[p] = c
            out |= c
        return out

    def _protect(self, drv: Derivation, paths: set[StorePath]) -> None:
        missing = protect(self.store, paths)
        if missing:
            raise BuildError(f"build {drv.drv_path}: input {sorted(missing)[0]} is no longer "
                             "valid (collected meanwhile)")

    async def _build(self, drv: Derivation, rhash: Digest, what: str | None,
                     remote: bool = False) -> dict[str, StorePath]:
        drv_path = drv.drv_path
        rmap = resolve_map(drv, self.known)
        direct = {StorePath.parse(str(s)) for s in drv.input_srcs}
        direct |= {StorePath.parse(v) for v in rmap.values()}
        closure = self._closure(direct)
        self._protect(drv, closure)
        scratch = {o: scratch_path(drv, rhash, o) for o in drv.output_names}
        full = dict(rmap)
        full.update({own_output_placeholder(o): str(p) for o, p in scratch.items()})
        label = what or ("fetching" if drv.is_fixed_output else "building")
        if remote:
            label += " remotely"
        ok = False
        work = self.scratch.new()
        log = BuildLog(self.store.logs, drv_path, os.path.join(work, "log"),
                       self.opts.max_log_size)
        growing = None
        if drv.is_fixed_output:  # a download: its size shows as it grows
            growing = os.path.join(work, "store", scratch[drv.output_names[0]].base)
        self.progress.started(str(drv_path), label, drv.name, log.raw, growing)
        try:
            try:
                objs = await self._run_builder(drv, rhash, work, full, scratch, closure, log,
                                               fresh=what == "checking")
            except BuildError:
                if self.opts.keep_failed:
                    self._keep(drv, work)
                raise
            infos = await self._register(drv, objs, scratch, closure)
            ok = True
        finally:
            if not ok:
                log.finish()  # now: the failure report shows its tail
            self.logged.add(drv)
            # A successful build's log is compressed by the reaper, off the
            # critical path, before its scratch dir goes.
            self.scratch.release(work, log.finish if ok else None)
            self.progress.finished(str(drv_path), ok)
        for info in infos.values():
            self._remember_closure(info)
        if drv.is_fixed_output:
            self.progress.add_fetched(sum(i.nar_size for i in infos.values()))
        outs = {o: i.path for o, i in infos.items()}
        modulo = self.plan.modulo
        deps = realisation_deps(drv, modulo, self.known) if drv in modulo else None
        for o, p in outs.items():
            self.fresh.setdefault((rhash, o), p)
            self._pending.append((Realisation(rhash, o, p), drv_path))
            if deps is not None and not drv.is_fixed_output:
                self._pending.append((Realisation(modulo[drv], o, p, deps=deps), drv_path))
        self._wake.set()
        return outs

    def _keep(self, drv: Derivation, work: str) -> None:
        """Move a failed build's ``/build`` out of the scratch area (``-K``) and say where."""
        keep = os.path.join(self.store.var, "failed")
        os.makedirs(keep, exist_ok=True)
        dest = os.path.join(keep, f"{drv.name}-{secrets.token_hex(4)}")
        try:
            os.rename(os.path.join(work, "build"), dest)
        except OSError as e:
            self.progress.message(f"sx: keep build directory of {drv.drv_path}: {e.strerror}")
            return
        self.progress.message(f"sx: kept the build directory of {drv.drv_path}: {dest}")

    async def _run_builder(self, drv: Derivation, rhash: Digest, work: str,
                           full: dict[str, str], scratch: dict[str, StorePath],
                           closure: set[StorePath], log: BuildLog, fresh: bool = False
                           ) -> dict[str, str]:
        """Run the builder; returns where each output was written (host paths)."""
        store_dir = os.path.join(work, "store")
        build_dir = os.path.join(work, "build")
        os.mkdir(store_dir)
        os.mkdir(build_dir, 0o700)
        objs = {o: os.path.join(store_dir, p.base) for o, p in scratch.items()}
        env = {k: substitute(v, full) for k, v in drv.env}
        inputs = [(self.store.real_path(p), p.base) for p in sorted(closure)]
        if drv.builder == BUILTIN_FETCHURL:
            await self._fetch(drv, env, objs[drv.output_names[0]], inputs, log)
            return objs
        if drv.builder.startswith("builtin:"):
            spec = sandboxed_spec(drv, env, objs[drv.output_names[0]], inputs, store_dir,
                                  build_dir)
        else:
            spec = SandboxSpec(
                builder=substitute(drv.builder, full),
                args=[substitute(a, full) for a in drv.args], env=env, inputs=inputs,
                store_dir=store_dir, build_dir=build_dir, network=drv.is_fixed_output)
            remote = self.remote is not None and self.remote.accepts(drv)
            if remote and await self._run_remote(drv, rhash, spec, scratch, objs, log, fresh):
                return objs
        self.sandbox.check()
        echo = LineEcho(drv.name, self.progress.output) if self.opts.print_logs else None
        try:
            await run_sandboxed(self.sandbox, spec, log, drv.drv_path, self.opts.timeout,
                                self.limits, echo)
        except BuildError as e:
            said = reported_error(log.tail) if spec.runtime else None
            if said is None:
                raise
            raise BuildError(said) from e
        return objs

    async def _fetch(self, drv: Derivation, env: dict[str, str], out: str,
                     inputs: list[tuple[str, str]], log: BuildLog) -> None:
        """``builtin:fetchurl``, in this process: it reads the network and allowed files."""
        # Imported when needed: the fetcher pulls in urllib and http.
        from sx.derivations.build.fetch import fetchurl

        ctx = BuiltinContext(drv.drv_path, env, out, {b: h for h, b in inputs}, log.note,
                             trio.from_thread.check_cancelled)
        await trio.to_thread.run_sync(fetchurl, ctx, drv, self.opts.apt_dir, self.allowed)

    async def _run_remote(self, drv: Derivation, rhash: Digest, spec: SandboxSpec,
                          scratch: dict[str, StorePath], objs: dict[str, str],
                          log: BuildLog, fresh: bool) -> bool:
        """Build on the remote engine; False when it is unreachable and fallback is on."""
        from sx.derivations.build.remote.errors import RemoteUnavailable
        from sx.derivations.build.remote.executor import RemoteBuild

        assert self.remote is not None
        key = str(drv.drv_path)

        def on_worker(worker: str) -> None:
            self.progress.started(key, f"building remotely on {worker}", drv.name)

        echo = LineEcho(drv.name, self.progress.output) if self.opts.print_logs else None
        job = RemoteBuild(drv, rhash, spec, scratch, objs, self.opts.timeout, on_worker, fresh,
                          echo)
        try:
            await self.remote.build(job, log)
        except RemoteUnavailable as e:
            if not self.opts.remote_fallback:
                raise
            self.progress.message(f"{e}; building {drv.drv_path} locally (--remote-fallback)")
            return False
        return True

    async def _register(self, drv: Derivation, built: dict[str, str],
                        scratch: dict[str, StorePath], closure: set[StorePath]
                        ) -> dict[str, PathInfo]:
        """Register the outputs.

        Small single-file outputs are registered right here, from where the
        builder left them: the scratch area is inside the run's locked temp
        dir, whose lock names what is about to enter the store, and the
        trio thread registers one build at a time. Handing them to a worker
        thread, or moving them into a temp dir of their own, costs more than
        the work. Anything bigger goes to a thread, from a fresh temp dir,
        so the other builds' bookkeeping is not held up.
        """
        if all(_small_file(p) for p in built.values()):
            return self._finalize(drv, built, scratch, closure, self.area)
        return await trio.to_thread.run_sync(self._register_sync, drv, built, scratch, closure)

    def _remember_closure(self, info: PathInfo) -> None:
        """The closure of a path registered by this run, from its references (no query)."""
        refs = [r for r in info.references if r != info.path]
        if any(r not in self.closures for r in refs):
            return
        closure = {info.path}
        for r in refs:
            closure |= self.closures[r]
        self.closures[info.path] = frozenset(closure)

    def _register_sync(self, drv: Derivation, built: dict[str, str],
                       scratch: dict[str, StorePath], closure: set[StorePath]
                       ) -> dict[str, PathInfo]:
        with self.store.temp_dir() as tmp:
            objs: dict[str, str] = {}
            for o, src in built.items():
                if os.path.lexists(src):
                    objs[o] = os.path.join(tmp.path, scratch[o].base)
                    os.rename(src, objs[o])
                else:
                    objs[o] = src
            return self._finalize(drv, objs, scratch, closure, tmp)

    def _finalize(self, drv: Derivation, objs: dict[str, str], scratch: dict[str, StorePath],
                  closure: set[StorePath], tmp: TempDir) -> dict[str, PathInfo]:
        """Check and register the outputs ``objs`` (host paths inside ``tmp``)."""
        if drv.is_fixed_output:
            (name,) = drv.output_names
            info = finalize_fixed(self.store, tmp, drv, drv.drv_path, objs[name], closure,
                                  scratch[name])
            return {name: info}
        check_expected(drv, drv.drv_path, objs)
        return finalize_floating(self.store, tmp, drv.drv_path, scratch, objs, closure)

    async def _compare(self, drv: Derivation, before: dict[str, StorePath],
                       after: dict[str, StorePath]) -> None:
        from sx.derivations.build.check import describe_difference

        for o in drv.output_names:
            if before[o] == after[o]:
                continue
            detail = await trio.to_thread.run_sync(
                describe_difference, self.store, before[o], after[o], self.progress.message)
            raise CheckMismatch(
                f"check {drv.drv_path}: output {o!r} differs: {before[o]} (recorded) vs "
                f"{after[o]} (rebuilt); {detail}")
        self.progress.message(f"check {drv.drv_path}: reproducible")


def _small_file(path: str) -> bool:
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return True  # missing: the error is reported at once
    return stat.S_ISREG(st.st_mode) and st.st_size <= SMALL_OUTPUT


def _unwrap(eg: BaseExceptionGroup[BaseException]) -> BaseException:
    leaves: list[BaseException] = []

    def walk(e: BaseException) -> None:
        if isinstance(e, BaseExceptionGroup):
            for sub in e.exceptions:
                walk(sub)
        else:
            leaves.append(e)

    walk(eg)
    for leaf in leaves:
        if isinstance(leaf, KeyboardInterrupt):
            return leaf
    return leaves[0] if len(leaves) == 1 else eg


def _summary(failed: dict[Derivation, BuildError | StorageError]) -> StoreError:
    """One error for the whole run, of the family of the first real failure."""
    real = {d: e for d, e in failed.items() if not isinstance(e, DependencyFailed)}
    if len(real) == 1 and len(failed) == 1:
        (err,) = real.values()
        return err
    first = next(iter(real.values()), next(iter(failed.values())))
    skipped = len(failed) - len(real)
    extra = f" ({skipped} dependents not attempted)" if skipped else ""
    if len(real) == 1:
        summary = type(first)(f"{first}{extra}")
        if isinstance(first, BuilderFailed) and isinstance(summary, BuilderFailed):
            summary.exit_code = first.exit_code
    else:
        text = f"realize: {len(real)} derivation(s) failed{extra}; first: {first}"
        summary = StorageError(text) if isinstance(first, StorageError) else BuildError(text)
    summary.__cause__ = first.__cause__ if len(real) == 1 else first
    return summary


def _connect_remote(opts: BuildOptions, plan: Plan, progress: Progress
                    ) -> RemoteExecutor | None:
    """The remote executor for this run, connected; None without ``--remote``, when
    nothing needed is built remotely, or (with fallback) when the engine is unreachable."""
    if not opts.remote:
        return None
    from sx.derivations.build.remote.channel import RemoteUrl
    from sx.derivations.build.remote.errors import RemoteUnavailable
    from sx.derivations.build.remote.executor import RemoteExecutor

    url = RemoteUrl.parse(opts.remote)
    if not any(RemoteExecutor.accepts(d) for d in plan.needed):
        return None
    remote = RemoteExecutor(url, opts.remote_jobs)
    try:
        remote.connect()
    except RemoteUnavailable as e:
        remote.close()
        if not opts.remote_fallback:
            raise
        progress.message(f"{e}; building locally (--remote-fallback)")
        return None
    except BaseException:
        remote.close()
        raise
    if opts.print_logs:
        progress.message(f"remote {url}: -L shows a remote build's log when it ends "
                         "(logs are not streamed live from the engine)")
    return remote


def build(store: LocalStore, opts: BuildOptions, plan: Plan, checked: Sequence[Derivation],
          substituter: Substituter | None, outcome: Outcome) -> None:
    """Build ``plan.needed`` (after substitution) in a trio nursery; results into ``outcome``.

    Raises what :func:`sx.derivations.build.realize.realize` documents.
    """
    run = _Run(store, opts, plan, checked, substituter, outcome)
    try:
        run.remote = _connect_remote(opts, plan, run.progress)
        run.allowed = configured(store.root) + AllowedFiles.of(opts.allowed_files,
                                                               "--allow-file")
        with store.temp_dir() as area:
            trio.run(run.run, area)
    except BaseExceptionGroup as eg:
        raise _unwrap(eg) from None
    finally:
        run.sandbox.close()
        if run.remote is not None:
            run.remote.close()
    if run.terminated:
        raise Terminated("realize: terminated by SIGTERM; every running build was killed")
    if run.failed:
        raise _summary(run.failed)
