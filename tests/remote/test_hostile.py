"""What an engine, a client or a worker sends is hostile: each check, attacked directly.

No cluster here: an in-memory CAS (:mod:`fake_cas`) answers, lies, or holds
malformed trees; the functions under test are the ones the real client and
worker call.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, cast

import pytest
from fake_cas import FakeCas
from sx.derivations.build.remote.action import make_action, platform_for, read_command
from sx.derivations.build.remote.cas import Cas
from sx.derivations.build.remote.channel import RemoteUrl
from sx.derivations.build.remote.digests import SHA256, BlobDigest, choose, digest_bytes
from sx.derivations.build.remote.errors import RemoteError
from sx.derivations.build.remote.fetch import fetch_outputs, prefetch
from sx.derivations.build.remote.materialize import InputCache
from sx.derivations.build.remote.merkle import InputTrees, tree_of
from sx.derivations.build.remote.proto import remote_execution_pb2 as re_pb
from sx.derivations.build.sandbox import SandboxSpec
from sx.store.errors import InvalidInput
from sx.store.hashing import Digest
from sx.store.path import make_path

BASE = make_path("output", Digest.b3(b"x"), "thing").base
OUT = f"sx/store/{BASE}"


def cas(fake: FakeCas) -> Cas:
    return cast(Cas, fake)


# ---- addresses --------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "http://h:1", "grpc://h", "grpc://:1", "grpc://h:99999", "grpc://u@h:1",
    "grpc://h:1/a/../b", "grpc://h:1/blobs", "grpc://h:1?x=1", "grpc://h:1/a//b"])
def test_bad_remote_urls(text: str) -> None:
    with pytest.raises(InvalidInput, match="parse remote"):
        RemoteUrl.parse(text)


def test_remote_url_round_trip() -> None:
    u = RemoteUrl.parse("grpcs://build.example:8980/main/linux")
    assert (u.scheme, u.host, u.port, u.instance) == ("grpcs", "build.example", 8980,
                                                      "main/linux")
    assert str(u) == "grpcs://build.example:8980/main/linux"
    assert RemoteUrl.parse("grpc://[::1]:50051").target == "[::1]:50051"


def test_digest_function_choice() -> None:
    assert choose([]).name == "sha256"
    assert choose([re_pb.DigestFunction.SHA256]).name == "sha256"
    assert choose([re_pb.DigestFunction.SHA256, re_pb.DigestFunction.BLAKE3]).name == "blake3"
    with pytest.raises(RemoteError, match="no digest function"):
        choose([re_pb.DigestFunction.MD5])


def test_malformed_digests_are_refused() -> None:
    for h, n in (("ab", 1), ("A" * 64, 1), ("0" * 64, -1), ("g" * 64, 1)):
        with pytest.raises(RemoteError, match="malformed digest"):
            BlobDigest(h, n)


# ---- commands a worker is handed ---------------------------------------------------

def cmd(**kw: Any) -> re_pb.Command:
    base = {"arguments": ["/sx/store/x-sh", "-c", "true"], "output_paths": [OUT]}
    base.update(kw)
    return re_pb.Command(**base)


@pytest.mark.parametrize("bad", [
    {"arguments": []},
    {"output_paths": ["sx/store/../../etc/passwd"]},
    {"output_paths": ["/sx/store/" + BASE]},
    {"output_paths": ["sx/store/not-a-store-path"]},
    {"output_paths": [OUT, OUT]},
    {"output_paths": []},
    {"working_directory": "../.."},
    {"environment_variables": [re_pb.Command.EnvironmentVariable(name="A=B", value="1")]},
    {"environment_variables": [re_pb.Command.EnvironmentVariable(name="A", value="1"),
                               re_pb.Command.EnvironmentVariable(name="A", value="2")]},
    {"arguments": ["/bin/sh", "a\0b"]},
])
def test_worker_refuses_commands_sx_never_writes(bad: dict[str, Any]) -> None:
    with pytest.raises(RemoteError, match="remote action"):
        read_command(cmd(**bad))


def test_action_round_trip_and_determinism(tmp_path: Path) -> None:
    spec = SandboxSpec("/sx/store/x-sh", ["-c", "echo hi > $out"], {"out": "/sx/store/" + BASE,
                       "B": "2", "A": "1"}, [], str(tmp_path), str(tmp_path))
    root = InputTrees(SHA256).root([])
    root_blob = root.blobs[root.node.digest]  # type: ignore[index]
    out = make_path("output", Digest.b3(b"x"), "thing")
    rhash = Digest.b3(b"resolved")
    a1 = make_action(SHA256, spec, [out], rhash, root_blob, "x86_64-linux")
    a2 = make_action(SHA256, spec, [out], rhash, root_blob, "x86_64-linux")
    assert a1 == a2
    other = make_action(SHA256, spec, [out], Digest.b3(b"other"), root_blob, "x86_64-linux")
    assert other.action.digest != a1.action.digest, "the resolved hash is in the action"
    wc = read_command(re_pb.Command.FromString(a1.command.read()))
    assert (wc.builder, wc.args, wc.outputs) == ("/sx/store/x-sh", ("-c", "echo hi > $out"),
                                                 (BASE,))
    assert wc.env == {"A": "1", "B": "2", "out": "/sx/store/" + BASE}
    action = re_pb.Action.FromString(a1.action.read())
    assert {p.name: p.value for p in action.platform.properties} == platform_for("x86_64-linux")


# ---- input trees --------------------------------------------------------------------

def test_input_tree_is_deterministic_and_materializes_back(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "d").mkdir(parents=True)
    (src / "d" / "f").write_bytes(b"data")
    (src / "x").write_bytes(b"#!exe")
    os.chmod(src / "x", 0o755)
    os.symlink("d/f", src / "l")
    t1, t2 = tree_of(SHA256, str(src), BASE), tree_of(SHA256, str(src), BASE)
    assert t1.node == t2.node and t1.blobs.keys() == t2.blobs.keys()
    fake = FakeCas()
    root = InputTrees(SHA256).root([(str(src), BASE)])
    for b in root.blobs.values():
        fake.put(b.read())
    cache = InputCache(str(tmp_path / "cache"), cas(fake))
    assert root.node.digest is not None
    got = cache.materialize(root.node.digest)
    ((host, base),) = got.paths
    assert base == BASE
    assert (Path(host) / "d" / "f").read_bytes() == b"data"
    assert os.readlink(Path(host) / "l") == "d/f"
    assert os.stat(Path(host) / "x").st_mode & 0o777 == 0o555
    assert os.stat(Path(host) / "d" / "f").st_mode & 0o777 == 0o444
    assert os.stat(Path(host) / "d" / "f").st_nlink == 2, "a hard link to the blob cache"
    again = cache.materialize(root.node.digest)
    assert again.paths == got.paths and again.fetched == 0


def _root_with(fake: FakeCas, store: re_pb.Directory) -> BlobDigest:
    d = fake.put(store.SerializeToString())
    sx = fake.put(re_pb.Directory(directories=[re_pb.DirectoryNode(
        name="store", digest=d.to_proto())]).SerializeToString())
    return fake.put(re_pb.Directory(directories=[re_pb.DirectoryNode(
        name="sx", digest=sx.to_proto())]).SerializeToString())


@pytest.mark.parametrize("name", ["..", ".", "a/b", "", "x" * 256, "a\0b"])
def test_worker_refuses_bad_names_in_input_trees(tmp_path: Path, name: str) -> None:
    fake = FakeCas()
    f = fake.put(b"x")
    inner = fake.put(re_pb.Directory(files=[re_pb.FileNode(
        name=name, digest=f.to_proto())]).SerializeToString())
    root = _root_with(fake, re_pb.Directory(directories=[re_pb.DirectoryNode(
        name=BASE, digest=inner.to_proto())]))
    cache = InputCache(str(tmp_path / "cache"), cas(fake))
    with pytest.raises(RemoteError, match="invalid entry name"):
        cache.materialize(root)
    assert os.listdir(tmp_path / "cache" / "trees") == []
    assert os.listdir(tmp_path / "cache" / "tmp") == []


def test_worker_refuses_duplicate_names_and_non_store_top_entries(tmp_path: Path) -> None:
    fake = FakeCas()
    f = fake.put(b"x")
    dup = fake.put(re_pb.Directory(files=[re_pb.FileNode(name="a", digest=f.to_proto())],
                                   symlinks=[re_pb.SymlinkNode(name="a", target="b")])
                   .SerializeToString())
    root = _root_with(fake, re_pb.Directory(directories=[re_pb.DirectoryNode(
        name=BASE, digest=dup.to_proto())]))
    with pytest.raises(RemoteError, match="appears twice"):
        InputCache(str(tmp_path / "c1"), cas(fake)).materialize(root)
    top = _root_with(fake, re_pb.Directory(files=[re_pb.FileNode(name="etc-passwd",
                                                                 digest=f.to_proto())]))
    with pytest.raises(RemoteError, match="not a store path"):
        InputCache(str(tmp_path / "c2"), cas(fake)).materialize(top)


def test_worker_refuses_a_blob_that_lies(tmp_path: Path) -> None:
    fake = FakeCas()
    f = fake.put(b"honest")
    fake.lie[f] = b"liar!!"
    root = _root_with(fake, re_pb.Directory(files=[re_pb.FileNode(name=BASE,
                                                                  digest=f.to_proto())]))
    cache = InputCache(str(tmp_path / "cache"), cas(fake))
    with pytest.raises(RemoteError, match="the engine sent"):
        cache.materialize(root)
    assert os.listdir(tmp_path / "cache" / "blobs") == []


# ---- outputs a client is handed -------------------------------------------------------

def _result_dir(fake: FakeCas, root: re_pb.Directory,
                children: list[re_pb.Directory]) -> re_pb.ActionResult:
    tree = fake.put(re_pb.Tree(root=root, children=children).SerializeToString())
    return re_pb.ActionResult(output_directories=[re_pb.OutputDirectory(
        path=OUT, tree_digest=tree.to_proto())])


def test_client_unpacks_a_good_output_tree(tmp_path: Path) -> None:
    fake = FakeCas()
    f = fake.put(b"hello")
    sub = re_pb.Directory(files=[re_pb.FileNode(name="f", digest=f.to_proto(),
                                                is_executable=True)])
    subd = digest_bytes(SHA256, sub.SerializeToString(deterministic=True))
    root = re_pb.Directory(directories=[re_pb.DirectoryNode(name="bin", digest=subd.to_proto())],
                           symlinks=[re_pb.SymlinkNode(name="l", target="bin/f")])
    dest = tmp_path / "out"
    fetch_outputs(cas(fake), _result_dir(fake, root, [sub]), {OUT: str(dest)})
    assert (dest / "bin" / "f").read_bytes() == b"hello"
    assert os.access(dest / "bin" / "f", os.X_OK)
    assert os.readlink(dest / "l") == "bin/f"


@pytest.mark.parametrize("attack", ["dotdot", "slash", "duplicate", "missing-child", "lie"])
def test_client_refuses_hostile_output_trees(tmp_path: Path, attack: str) -> None:
    fake = FakeCas()
    f = fake.put(b"hello")
    node = re_pb.FileNode(name="f", digest=f.to_proto())
    root = re_pb.Directory(files=[node])
    children: list[re_pb.Directory] = []
    if attack == "dotdot":
        root.files[0].name = ".."
    elif attack == "slash":
        root.files[0].name = "../../escape"
    elif attack == "duplicate":
        root.symlinks.add(name="f", target="x")
    elif attack == "missing-child":
        root.directories.add(name="d", digest=fake.put(b"nope").to_proto())
    else:
        fake.lie[f] = b"HELLO"
    dest = tmp_path / "out"
    with pytest.raises((RemoteError, InvalidInput)):
        fetch_outputs(cas(fake), _result_dir(fake, root, children), {OUT: str(dest)})
    assert not os.path.lexists(dest)
    assert not os.path.lexists(tmp_path / "escape")


def test_client_fetches_small_files_of_an_output_tree_in_batches(tmp_path: Path) -> None:
    fake = FakeCas()
    fake.batch = 1000
    big = fake.put(b"B" * 1500)  # over the batch size: streamed on its own
    files = [re_pb.FileNode(name=f"f{i:03}", digest=fake.put(b"%03d" % i * 10).to_proto())
             for i in range(100)]  # 30 bytes each: 33 fit in a batch
    files.append(re_pb.FileNode(name="f050-big", digest=big.to_proto()))
    files.append(re_pb.FileNode(name="f051-again", digest=files[0].digest))
    sub = re_pb.Directory(files=[re_pb.FileNode(name="x", digest=fake.put(b"x").to_proto())])
    subd = digest_bytes(SHA256, sub.SerializeToString(deterministic=True))
    root = re_pb.Directory(files=files, directories=[re_pb.DirectoryNode(
        name="f020-dir", digest=subd.to_proto())])
    dest = tmp_path / "out"
    fetch_outputs(cas(fake), _result_dir(fake, root, [sub]), {OUT: str(dest)})
    for i in range(100):
        assert (dest / f"f{i:03}").read_bytes() == b"%03d" % i * 10
    assert (dest / "f050-big").read_bytes() == b"B" * 1500
    assert (dest / "f051-again").read_bytes() == b"000" * 10
    assert (dest / "f020-dir" / "x").read_bytes() == b"x"
    # The tree; f000-f020; the sub-directory's x; f021-f052 and f051-again (33 blobs of
    # 30 bytes); the big file, streamed between; f053-f085; f086-f099.
    assert fake.reads == [1, 21, 1, 33, 1, 33, 14], fake.reads
    assert max(fake.reads) <= 33


def test_client_refuses_a_lie_inside_a_batch_and_a_tree_that_is_not_one(
        tmp_path: Path) -> None:
    fake = FakeCas()
    blobs = [fake.put(b"file %d" % i) for i in range(10)]
    fake.lie[blobs[7]] = b"FILE 7"
    root = re_pb.Directory(files=[re_pb.FileNode(name=f"f{i}", digest=b.to_proto())
                                  for i, b in enumerate(blobs)])
    with pytest.raises(RemoteError, match="the engine sent"):
        fetch_outputs(cas(fake), _result_dir(fake, root, []), {OUT: str(tmp_path / "a")})
    assert not os.path.lexists(tmp_path / "a")
    garbage = re_pb.ActionResult(output_directories=[re_pb.OutputDirectory(
        path=OUT, tree_digest=fake.put(b"\x0a\xff\x01").to_proto())])
    with pytest.raises(RemoteError, match="is not a Tree"):
        fetch_outputs(cas(fake), garbage, {OUT: str(tmp_path / "b")})
    assert not os.path.lexists(tmp_path / "b")


def test_client_refuses_outputs_it_did_not_ask_for(tmp_path: Path) -> None:
    fake = FakeCas()
    f = fake.put(b"x")
    result = re_pb.ActionResult(output_files=[
        re_pb.OutputFile(path=OUT, digest=f.to_proto()),
        re_pb.OutputFile(path="sx/store/../../../etc/cron.d/x", digest=f.to_proto())])
    with pytest.raises(RemoteError, match="did not declare"):
        fetch_outputs(cas(fake), result, {OUT: str(tmp_path / "out")})
    assert not os.path.lexists(tmp_path / "out")


def test_client_refuses_a_lying_output_file(tmp_path: Path) -> None:
    fake = FakeCas()
    f = fake.put(b"good")
    fake.lie[f] = b"evil"
    result = re_pb.ActionResult(output_files=[re_pb.OutputFile(path=OUT, digest=f.to_proto())])
    with pytest.raises(RemoteError, match="the engine sent"):
        fetch_outputs(cas(fake), result, {OUT: str(tmp_path / "out")})
    assert not os.path.lexists(tmp_path / "out")


# ---- the generated modules ----------------------------------------------------------

def test_generated_protobuf_modules_match_the_proto_files(tmp_path: Path) -> None:
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[2]
    subprocess.run(["bash", str(repo / "scripts/gen-protos.sh"), sys.executable,
                    str(tmp_path)], check=True, cwd=repo)
    proto = "derivations/build/remote/proto"
    for gen in sorted((tmp_path / proto).iterdir()):
        assert gen.read_bytes() == (repo / proto / gen.name).read_bytes(), \
            f"{gen.name} is stale: run scripts/gen-protos.sh"


def test_client_reads_the_log_and_the_outputs_first_blobs_in_one_round_trip(
        tmp_path: Path) -> None:
    """The log, the output files and a directory output's Tree come in one read; the
    directory's own files in the next; each blob is still checked against its digest."""
    fake = FakeCas()
    outs = [f"sx/store/{make_path('output', Digest.b3(n.encode()), n).base}"
            for n in ("a", "b", "c")]
    leaf = re_pb.Directory(files=[re_pb.FileNode(name="f", digest=fake.put(b"in dir")
                                                 .to_proto())])
    tree = fake.put(re_pb.Tree(root=leaf).SerializeToString())
    result = re_pb.ActionResult(
        stdout_digest=fake.put(b"the build's log\n").to_proto(),
        output_files=[re_pb.OutputFile(path=outs[0], digest=fake.put(b"file a").to_proto()),
                      re_pb.OutputFile(path=outs[1], digest=fake.put(b"file b").to_proto())],
        output_directories=[re_pb.OutputDirectory(path=outs[2], tree_digest=tree.to_proto())])
    log = BlobDigest.of(result.stdout_digest)
    pre = prefetch(cas(fake), result, [log])
    assert fake.reads == [4] and pre[log] == b"the build's log\n"
    dests = {o: str(tmp_path / o.rsplit("/", 1)[1]) for o in outs}
    fetch_outputs(cas(fake), result, dests, pre)
    assert fake.reads == [4, 1], "only the directory's file was left to read"
    assert Path(dests[outs[0]]).read_bytes() == b"file a"
    assert (Path(dests[outs[2]]) / "f").read_bytes() == b"in dir"
    fake.lie[BlobDigest.of(result.output_files[1].digest)] = b"file B"
    with pytest.raises(RemoteError, match="the engine sent"):
        prefetch(cas(fake), result, [log])
