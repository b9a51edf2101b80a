"""A worker handed malformed leases: each ends with a status, the worker goes on.

No engine here: the worker's lease execution is driven directly, its CAS an
in-memory one (:mod:`fake_cas`) holding whatever the attack needs.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

import pytest
import trio
from fake_cas import FakeCas
from sx.derivations.build.remote.action import platform_for
from sx.derivations.build.remote.cas import Cas
from sx.derivations.build.remote.channel import RemoteUrl
from sx.derivations.build.remote.materialize import InputCache
from sx.derivations.build.remote.proto import bots_pb2 as bots_pb
from sx.derivations.build.remote.proto import remote_execution_pb2 as re_pb
from sx.derivations.build.remote.worker import (
    FAILED_PRECONDITION,
    INVALID_ARGUMENT,
    Worker,
    WorkerOptions,
    _LeaseFailure,
)
from sx.store.local import LocalStore
from test_hostile import OUT

GARBAGE = b"\x0a\xff\x01"  # a length-delimited field longer than the message
_ACTION = "type.googleapis.com/build.bazel.remote.execution.v2.Action"
_DIGEST = "type.googleapis.com/build.bazel.remote.execution.v2.Digest"


def worker(tmp_path: Path, fake: FakeCas) -> Worker:
    store = LocalStore(str(tmp_path / "root"))
    w = Worker(RemoteUrl.parse("grpc://127.0.0.1:1"), store, WorkerOptions(name="unit"))
    w.cas = cast(Cas, fake)
    w.cache = InputCache(str(tmp_path / "cache"), cast(Cas, fake))
    return w


def action(fake: FakeCas, command: bytes, root: bytes) -> bytes:
    props = platform_for("x86_64-linux")
    return re_pb.Action(
        command_digest=fake.put(command).to_proto(), input_root_digest=fake.put(root).to_proto(),
        platform=re_pb.Platform(properties=[re_pb.Platform.Property(name=k, value=v)
                                            for k, v in sorted(props.items())])
    ).SerializeToString()


def fails(w: Worker, payload_type: str, payload: bytes, tmp_path: Path) -> _LeaseFailure:
    lease = bots_pb.Lease(id="lease-1", state=bots_pb.PENDING)
    lease.payload.type_url, lease.payload.value = payload_type, payload
    with pytest.raises(_LeaseFailure) as e:
        trio.run(w._execute, lease, str(tmp_path / "work"), [])
    assert not (tmp_path / "work").exists(), "nothing was run"
    return e.value


GOOD_COMMAND = re_pb.Command(arguments=["/sx/store/x-sh", "-c", "true"],
                             output_paths=[OUT]).SerializeToString()


def test_garbage_action_payload_is_invalid_argument(tmp_path: Path) -> None:
    fake = FakeCas()
    w = worker(tmp_path, fake)
    assert fails(w, _ACTION, GARBAGE, tmp_path).code == INVALID_ARGUMENT
    assert fails(w, _DIGEST, GARBAGE, tmp_path).code == INVALID_ARGUMENT
    assert fails(w, _DIGEST, fake.put(GARBAGE).to_proto().SerializeToString(),
                 tmp_path).code == INVALID_ARGUMENT
    bad_digest = re_pb.Digest(hash="../../etc", size_bytes=1).SerializeToString()
    assert fails(w, _DIGEST, bad_digest, tmp_path).code == INVALID_ARGUMENT
    assert fails(w, "type.example/Other", b"", tmp_path).code == INVALID_ARGUMENT


def test_garbage_command_or_input_root_is_failed_precondition(tmp_path: Path) -> None:
    fake = FakeCas()
    w = worker(tmp_path, fake)
    empty_root = re_pb.Directory().SerializeToString()
    e = fails(w, _ACTION, action(fake, GARBAGE, empty_root), tmp_path)
    assert e.code == FAILED_PRECONDITION
    e = fails(w, _ACTION, action(fake, GOOD_COMMAND, GARBAGE), tmp_path)
    assert e.code == FAILED_PRECONDITION
    bad = re_pb.Action.FromString(action(fake, GOOD_COMMAND, empty_root))
    bad.command_digest.hash = "not hex"
    e = fails(w, _ACTION, bad.SerializeToString(), tmp_path)
    assert e.code == FAILED_PRECONDITION and "malformed digest" in str(e)
