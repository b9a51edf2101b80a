"""``sx store ...``: add, list, read, dump, import, export, verify and delete paths."""

from __future__ import annotations

import contextlib
import os
import stat
import sys

from sx.cli.commands import add_command
from sx.cli.common import open_store
from sx.cli.installables import INSTALLABLE_HELP, add_installables, resolve_inside, resolve_paths
from sx.store.errors import InvalidInput, StorageError
from sx.store.path import STORE_DIR, StorePath
from sx.store.treewalk import LEAVE, TreeWalk

TYPE_CHECKING = False  # argparse only for the checker: it costs every start (cli/quick.py)
if TYPE_CHECKING:
    import argparse

_INSIDE = ("a store path, out-link or installable, optionally followed by a path inside it "
           "(result/bin, /sx/store/...-x/share)")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``store`` command group."""
    p = add_command(sub, "store")
    s = p.add_subparsers(dest="store_command", metavar="SUBCOMMAND", required=True)

    a = s.add_parser("add", help="copy a file or tree into the store")
    a.add_argument("path")
    a.add_argument("--name", help="store path name (default: the file's base name)")
    a.set_defaults(func=cmd_add)

    ls = s.add_parser("ls", help="list the files of a store path")
    ls.add_argument("path", metavar="PATH", help=_INSIDE)
    ls.add_argument("--no-build", action="store_true", help="never build a missing output")
    ls.add_argument("-R", "--recursive", action="store_true")
    ls.add_argument("-l", "--long", action="store_true")
    ls.set_defaults(func=cmd_ls)

    cat = s.add_parser("cat", help="print a file inside a store path")
    cat.add_argument("path", metavar="PATH", help=_INSIDE)
    cat.add_argument("--no-build", action="store_true", help="never build a missing output")
    cat.set_defaults(func=cmd_cat)

    d = s.add_parser("dump", help="write the archive (NAR) of a store path to stdout")
    d.add_argument("path", metavar="INSTALLABLE", help=INSTALLABLE_HELP)
    d.add_argument("--no-build", action="store_true", help="never build a missing output")
    d.set_defaults(func=cmd_dump)

    e = s.add_parser("export", help="write paths with their metadata to stdout or a file")
    add_installables(e, dest="paths")
    e.add_argument("--closure", action="store_true", help="include the closure")
    e.add_argument("-o", "--output", help="file to write (default: stdout)")
    e.set_defaults(func=cmd_export)

    i = s.add_parser("import", help="import an export stream (all or nothing)")
    i.add_argument("file", nargs="?", default="-", help="file to read (default: stdin)")
    i.set_defaults(func=cmd_import)

    v = s.add_parser("verify", help="check the store for consistency")
    v.add_argument("--check-contents", action="store_true", help="re-hash every path")
    v.add_argument("--repair", action="store_true", help="unregister damaged paths")
    v.set_defaults(func=cmd_verify)

    rm = s.add_parser("delete", help="delete paths that nothing keeps alive")
    rm.add_argument("paths", nargs="+", metavar="INSTALLABLE",
                    help=f"{INSTALLABLE_HELP} (outputs must be realized: nothing is built)")
    rm.set_defaults(func=cmd_delete)


def cmd_add(args: argparse.Namespace) -> int:
    """Add a file or tree; prints the store path."""
    store = open_store(args)
    info = store.add_tree(args.path, args.name)
    print(info.path)
    return 0


def _resolve(args: argparse.Namespace) -> tuple[str, StorePath, str]:
    """The physical location of ``args.path`` (a store object plus an optional path inside).

    Symlinks inside the object are not followed on the way down: a link may
    point outside the store, and these commands show what the object holds.
    """
    store = open_store(args)
    path, rest = resolve_inside(store, args.path, args.no_build)
    store.require(path)
    parts = [p for p in rest.split("/") if p]
    real = store.real_path(path)
    for i, part in enumerate(parts):
        if os.path.islink(real):
            raise InvalidInput(f"read {args.path}: {'/'.join(parts[:i]) or path} is a symlink")
        real = os.path.join(real, part)
    return real, path, "/".join(parts)


def _mode(st: os.stat_result) -> str:
    if stat.S_ISDIR(st.st_mode):
        return "dr-xr-xr-x"
    if stat.S_ISLNK(st.st_mode):
        return "lrwxrwxrwx"
    return "-r-xr-xr-x" if st.st_mode & stat.S_IXUSR else "-r--r--r--"


def cmd_ls(args: argparse.Namespace) -> int:
    """List a store path or a directory inside one."""
    real, path, rest = _resolve(args)
    if not os.path.lexists(real):
        raise InvalidInput(f"list {args.path}: no such file in {path}")
    base = f"{STORE_DIR}/{path.base}" + (f"/{rest}" if rest else "")

    def show(st: os.stat_result, shown: str, name: str, fd: int | None = None) -> None:
        """Print one entry (with type, mode, size and link target in long form)."""
        if args.long:
            extra = f" -> {os.readlink(name, dir_fd=fd)}" if stat.S_ISLNK(st.st_mode) else ""
            print(f"{_mode(st)} {st.st_size:>12} {shown}{extra}")
        else:
            print(shown)

    if os.path.isdir(real) and not os.path.islink(real) and args.recursive:
        # Iterative and descriptor-relative: any depth (a builder may make deep trees).
        walker = TreeWalk(real)
        events = iter(walker)
        next(events)  # the directory itself
        skip = len(real) + 1
        for event, fd, name, st in events:
            if event != LEAVE:
                show(st, f"{base}/{walker.path(name)[skip:]}", name, fd)
    elif os.path.isdir(real) and not os.path.islink(real):
        for name in sorted(os.listdir(real)):
            p = os.path.join(real, name)
            show(os.lstat(p), f"{base}/{name}", p)
    else:
        show(os.lstat(real), base, real)
    return 0


def cmd_cat(args: argparse.Namespace) -> int:
    """Copy a regular file inside a store path to stdout."""
    real, path, _ = _resolve(args)
    if not os.path.isfile(real) or os.path.islink(real):
        raise InvalidInput(f"read {args.path}: not a regular file in {path}")
    with open(real, "rb") as f:
        while chunk := f.read(1 << 20):
            sys.stdout.buffer.write(chunk)
    return 0


def cmd_dump(args: argparse.Namespace) -> int:
    """Write a valid path's archive to stdout."""
    store = open_store(args)
    paths = resolve_paths(store, [args.path], no_build=args.no_build)
    if len(paths) != 1:
        raise InvalidInput(f"dump {args.path}: stands for {len(paths)} paths; select one "
                           "output with ^NAME")
    store.dump(paths[0], sys.stdout.buffer)
    sys.stdout.buffer.flush()
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write paths (or their closure) as an export stream."""
    from sx.store.transfer import export_paths

    store = open_store(args)
    paths = resolve_paths(store, args.paths, no_build=args.no_build)
    if args.closure:
        paths = sorted(store.closure(paths))
    if args.output:
        tmp = args.output + ".part"
        try:
            with open(tmp, "wb") as f:
                n = export_paths(store, paths, f)
            os.replace(tmp, args.output)
        except OSError as e:
            raise StorageError(f"export to {args.output}: {e.strerror}") from e
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
    else:
        n = export_paths(store, paths, sys.stdout.buffer)
        sys.stdout.buffer.flush()
    print(f"exported {n} paths", file=sys.stderr)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Import an export stream; prints the imported paths."""
    from sx.store.transfer import import_paths

    store = open_store(args)
    if args.file == "-":
        infos = import_paths(store, sys.stdin.buffer, "stdin")
    else:
        try:
            f = open(args.file, "rb")  # noqa: SIM115
        except OSError as e:
            raise InvalidInput(f"import {args.file}: {e.strerror}") from e
        with f:
            infos = import_paths(store, f, args.file)
    for info in infos:
        print(info.path)
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    """Check (and optionally repair) the store; exit 1 when problems were found."""
    store = open_store(args)
    problems = store.verify(check_contents=args.check_contents, repair=args.repair)
    for p in problems:
        print(p)
    n = len(store.all_paths())
    if problems:
        print(f"sx: verify: {len(problems)} problem(s) in {n} paths", file=sys.stderr)
        return 1
    print(f"store {store.root}: {n} paths, consistent", file=sys.stderr)
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    """Delete paths nothing keeps alive."""
    from sx.store.gc import delete_paths

    store = open_store(args)
    paths = resolve_paths(store, args.paths, lookup=True)
    freed = delete_paths(store, paths)
    for p in paths:
        print(f"deleted {p}")
    print(f"freed {freed} bytes", file=sys.stderr)
    return 0
