"""``sx worker URL``: lease and run actions of a remote execution engine."""

from __future__ import annotations

import sys

from sx.cli.commands import add_command
from sx.cli.common import open_store, size_arg
from sx.store.config import DEFAULT_MAX_LOG
from sx.store.errors import InvalidInput

TYPE_CHECKING = False  # argparse only for the checker: it costs every start (cli/quick.py)
if TYPE_CHECKING:
    import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``worker``."""
    p = add_command(sub, "worker", description="Run actions of a remote execution engine (a bot "
                                               "of its Remote Workers API) in sx's sandbox.")
    p.add_argument("url", metavar="URL", help="the engine: grpc://HOST:PORT[/INSTANCE]")
    p.add_argument("-j", "--jobs", type=int, default=1, help="actions at once (default 1)")
    p.add_argument("--name", default=None, help="the bot's id (default: HOST-PID)")
    p.add_argument("--property", action="append", default=[], metavar="KEY=VALUE",
                   help="offer this platform property too (repeatable)")
    p.add_argument("--max-log-size", type=size_arg, default=DEFAULT_MAX_LOG, metavar="SIZE",
                   help="kill an action whose log exceeds SIZE, e.g. 100M (default 1G)")
    p.add_argument("--cache-size", type=size_arg, default=10 << 30, metavar="SIZE",
                   help="bound of the input cache, least recently used inputs evicted "
                        "first (default 10G; 0: unbounded)")
    p.add_argument("-q", "--quiet", action="store_true", help="say nothing while serving")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Serve leases until interrupted."""
    import trio
    from sx.derivations.build.remote.channel import RemoteUrl
    from sx.derivations.build.remote.worker import Worker, WorkerOptions, default_properties

    url = RemoteUrl.parse(args.url)
    if args.jobs < 1:
        raise InvalidInput(f"worker: -j {args.jobs}: must be 1 or more")
    props = default_properties()
    for item in args.property:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InvalidInput(f"worker: --property {item!r}: expected KEY=VALUE")
        props.setdefault(key, []).append(value)
    opts = WorkerOptions(jobs=args.jobs, properties=props, max_log_size=args.max_log_size,
                         cache_size=args.cache_size or None, log=None if args.quiet else _say)
    if args.name:
        opts.name = args.name
    store = open_store(args)
    return trio.run(_serve, Worker(url, store, opts))


async def _serve(worker: object) -> int:
    """Run the worker until SIGTERM or SIGINT; running sandboxes are killed on the way out."""
    import signal

    import trio
    from sx.derivations.build.remote.worker import Worker

    assert isinstance(worker, Worker)
    with trio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        async with trio.open_nursery() as nursery:
            async def stop() -> None:
                async for _ in signals:
                    nursery.cancel_scope.cancel()
                    return

            nursery.start_soon(stop)
            await worker.run()
    return 0


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
