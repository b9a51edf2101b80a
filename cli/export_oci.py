"""``sx export-oci`` and ``sx import-oci``: closures to OCI images and back."""

from __future__ import annotations

import sys

from sx.cli import common
from sx.cli.commands import add_command
from sx.cli.installables import add_installables, resolve_paths
from sx.store.oci.compress import COMPRESSIONS
from sx.store.oci.image import FORMATS, export_image
from sx.store.oci.importer import import_image
from sx.store.oci.options import (
    DEFAULT_MAX_LAYERS,
    DEFAULT_TAG,
    ImageOptions,
    epoch_from_env,
    host_arch,
    oci_arch,
    parse_command,
    parse_label,
    parse_link,
)

TYPE_CHECKING = False  # argparse only for the checker: it costs every start (cli/quick.py)
if TYPE_CHECKING:
    import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``export-oci`` and ``import-oci``."""
    e = add_command(sub, "export-oci")
    add_installables(e)
    e.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="image layout directory (or file with --format archive) to write")
    e.add_argument("--format", default="dir", choices=FORMATS,
                   help="dir: OCI image layout (default); archive: oci-archive tar")
    e.add_argument("--force", action="store_true", help="replace OUT if it exists")
    e.add_argument("--tag", default=DEFAULT_TAG,
                   help=f"image reference name, e.g. v1 or repo/name:1 (default {DEFAULT_TAG})")
    e.add_argument("--entrypoint", help="JSON array, or words split like a shell")
    e.add_argument("--cmd", help="JSON array, or words split like a shell")
    e.add_argument("--env", action="append", default=[], metavar="K=V")
    e.add_argument("--workdir", help="absolute working directory")
    e.add_argument("--label", action="append", default=[], metavar="K=V")
    e.add_argument("--link", action="append", default=[], metavar="/NAME=PATH[/SUB]",
                   help="add a symlink to the image root, e.g. /bin=/sx/store/...-busybox/bin")
    e.add_argument("--max-layers", type=int, default=DEFAULT_MAX_LAYERS,
                   help=f"layer cap (default {DEFAULT_MAX_LAYERS})")
    e.add_argument("--compression", default="none", choices=COMPRESSIONS)
    e.add_argument("--arch", default=host_arch(), help="image architecture (default: this host)")
    e.set_defaults(func=cmd_export)

    i = add_command(sub, "import-oci")
    i.add_argument("image", metavar="DIR|ARCHIVE[:TAG]")
    i.set_defaults(func=cmd_import)


def cmd_export(args: argparse.Namespace) -> int:
    """Export the closure of the installables."""
    store = common.open_store(args)
    roots = resolve_paths(store, args.installables, no_build=args.no_build)
    options = ImageOptions(
        tag=args.tag,
        entrypoint=parse_command(args.entrypoint, "--entrypoint") if args.entrypoint else None,
        cmd=parse_command(args.cmd, "--cmd") if args.cmd else None,
        env=tuple(args.env),
        workdir=args.workdir,
        labels=tuple(parse_label(entry) for entry in args.label),
        links=tuple(parse_link(store, spec) for spec in args.link),
        max_layers=args.max_layers,
        compression=args.compression,
        epoch=epoch_from_env(),
        arch=oci_arch(args.arch),
    )
    with common.sigterm_interrupts():  # the temp image beside OUT is removed when stopped
        desc = export_image(store, roots, options, args.output, args.format, args.force)
    print(desc.digest)
    print(f"wrote {args.output} ({args.format}, tag {options.tag})", file=sys.stderr)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Import an image's store paths."""
    store = common.open_store(args)
    for info in import_image(store, args.image):
        print(info.path)
    return 0
