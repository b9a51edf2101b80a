"""GNU tar, sed, gzip, xz, bash and coreutils built by the static tcc, and used, in the sandbox.

The six stages are built once in the session store (the ``userland_out``
fixture). One derivation then does real work with them and nothing else:
bash (built here) is its builder and PATH holds only the new tools; Python
checks what they wrote (hashes against hashlib, the archives against
Python's gzip, lzma and tarfile). The failure paths of ``build-gnu.sh`` are
driven by a tiny fake package, which builds in a second or two.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import lzma
import random
import tarfile
from pathlib import Path

import pytest
from sx.derivations.bootstrap.toolchain import seeds, userland
from sx.derivations.build.errors import BuildError
from sx.derivations.build.logs import read_log
from sx.derivations.build.scheduler import BuildOptions, realize
from sx.derivations.model import Derivation, Source, derivation
from sx.store.local import LocalStore
from sx.store.path import StorePath
from toolchain_helpers import build, elf_has_interpreter

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

STAGES = ("tar", "sed", "gzip", "xz", "bash", "coreutils")

PROGRAMS = {
    "tar": ["tar"],
    "sed": ["sed"],
    "gzip": ["gzip"],
    "xz": ["xz", "xzdec", "lzmainfo"],
    "bash": ["bash"],
    "coreutils": ["ls", "sort", "sha256sum", "cat", "cp", "date", "env", "tr", "wc"],
}
"""Some static programs each stage installs under bin/."""

# Bash-only features: indexed and associative arrays, [[ ]] with a pattern
# and a regex, arithmetic, case and substring expansions, a nameref, a here
# string, process substitution, brace expansion, extglob.
BASH_SCRIPT = r"""
declare -a list=(pear apple fig)
list+=(kiwi)
declare -A price=([pear]=3 [apple]=5 [fig]=7 [kiwi]=11)
total=0
for fruit in "${list[@]}"; do total=$(( total + price[$fruit] * 2 )); done
echo "total=$total count=${#list[@]} last=${list[-1]}"
[[ ${list[1]} == ap* && 2#1010 -eq 10 ]] && echo "pattern ok"
[[ "v5.2.15" =~ ^v([0-9]+)\.([0-9]+) ]] && echo "regex ${BASH_REMATCH[1]}.${BASH_REMATCH[2]}"
word="sandbox"
echo "${word^^} ${word:0:4} ${word/box/castle} ${#word}"
set_it() { local -n target=$1; target="via nameref"; }
set_it result; echo "$result"
read -r first second <<< "one two"; echo "$second $first"
echo "lines=$(wc -l < <(printf 'a\nb\nc\n'))"
echo {1..3} {x..z}
shopt -s extglob; name=aaab; echo "${name##+(a)} $(( (7 << 2) % 5 )) $(( -7 / 2 ))"
"""

BASH_EXPECTED = """\
total=52 count=4 last=kiwi
pattern ok
regex 5.2
SANDBOX sand sandcastle 7
via nameref
two one
lines=3
1 2 3 x y z
b 3 -3
"""

AT_WORK = r"""
set -euo pipefail
export PATH="$coreutils/bin:$sed/bin:$gzip/bin:$xz/bin:$tar/bin:$bash/bin"
mkdir -p "$out" /build/work
cd /build/work

# sed edits a file in place.
printf 'alpha=1\nbeta=2\ngamma=3\n' > conf
sed -i -E -e 's/^(beta)=.*/\1=20/' -e '/^gamma/d' -e '1i # edited by sed' conf
cp conf "$out/sed.txt"

# gzip and xz round trips (compared here and, in the test, by Python).
cp "$data" data.bin
gzip -9 -c data.bin > "$out/data.bin.gz"
gzip -d -c "$out/data.bin.gz" > "$out/data.gunzip"
xz -6 -c data.bin > "$out/data.bin.xz"
xz -d -c "$out/data.bin.xz" > "$out/data.unxz"
cp "$out/data.bin.gz" . && gzip -l data.bin.gz > "$out/gzip-l.txt"

# tar makes an archive, lists it and unpacks it. Through pipes to xz: tar's
# -J (and -z) start the compressor with /bin/sh -c, and the sandbox has none.
mkdir -p tree/sub
printf 'one\n' > tree/a.txt
cp data.bin tree/sub/data.bin
ln -s a.txt tree/link
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - tree | xz > "$out/tree.tar.xz"
xz -d -c "$out/tree.tar.xz" | tar -tf - > "$out/tar-list.txt"
mkdir unpacked
xz -d -c "$out/tree.tar.xz" | tar -xf - -C unpacked
cp unpacked/tree/sub/data.bin "$out/untarred.bin"
readlink unpacked/tree/link > "$out/untarred-link.txt"

# bash runs a script of bash-only features.
printf '%s' "$bash_script" > features.bash
bash features.bash > "$out/bash.txt"

# coreutils.
sha256sum data.bin > "$out/sha256.txt"
md5sum data.bin > "$out/md5.txt"
printf 'pear,3\napple,5\nfig,7\napple,1\nkiwi,11\n' > fruit.csv
sort -t, -k2,2n fruit.csv > "$out/sort-n.txt"
cut -d, -f1 fruit.csv | sort | uniq -c | tr -s ' ' > "$out/uniq.txt"
mkdir listing
touch listing/b listing/a listing/.hidden
mkdir listing/dir
ls -1 -A -p listing > "$out/ls.txt"
stat -c '%s' data.bin > "$out/size.txt"
base64 -w 0 tree/a.txt > "$out/base64.txt"
seq 1 5 | paste -s -d+ > "$out/seq.txt"
date -u -d @86400 '+%Y-%m-%d %H:%M:%S' > "$out/date.txt"
printf '%05.1f|%x|%s\n' 3.14159 255 word > "$out/printf.txt"
factor 600851475143 > "$out/factor.txt"
wc -c < data.bin > "$out/wc.txt"
"""


def sample_data() -> bytes:
    """~300 KB of mixed text and binary bytes (compressible, but not trivially)."""
    rng = random.Random(20221213)
    words = [b"sandbox", b"store", b"tcc", b"musl", b"userland", b"\x00\xff", b"\n"]
    text = b" ".join(rng.choice(words) for _ in range(30000))
    return text + bytes(rng.getrandbits(8) for _ in range(100000))


@pytest.fixture(scope="session")
def userland_out(tstore: LocalStore) -> dict[str, StorePath]:
    """The six stages (with make, the static tcc and musl-2 below them)."""
    paths = build(tstore, userland.userland())
    return dict(zip(STAGES, paths, strict=True))


@pytest.fixture(scope="module")
def at_work(tstore: LocalStore, userland_out: dict[str, StorePath],
            tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The output of one derivation that uses every new tool (and no busybox)."""
    data = tmp_path_factory.mktemp("data") / "data.bin"
    data.write_bytes(sample_data())
    src = Source(str(data))
    drvs = {"tar": userland.gnu_tar(), "sed": userland.gnu_sed(), "gzip": userland.gzip(),
            "xz": userland.xz(), "bash": userland.bash(), "coreutils": userland.coreutils()}
    env = {name: d.out for name, d in drvs.items()}
    env.update({"data": str(src), "bash_script": BASH_SCRIPT})
    drv = derivation("userland-at-work", drvs["bash"].out + "/bin/bash",
                     args=["-c", AT_WORK], env=env, inputs=list(drvs.values()), srcs=[src])
    [out] = build(tstore, [drv])
    assert tstore.require(out).references == ()
    return Path(tstore.real_path(out))


def test_stages_install_static_programs_with_no_store_references(
        tstore: LocalStore, userland_out: dict[str, StorePath]) -> None:
    for stage, path in userland_out.items():
        assert path.name == stage
        assert tstore.require(path).references == (), stage
        root = Path(tstore.real_path(path))
        for prog in PROGRAMS[stage]:
            assert not elf_has_interpreter((root / "bin" / prog).read_bytes()), prog
        # Nothing under the output names a store path or the build's tools.
        for f in root.rglob("*"):
            if f.is_file() and not f.is_symlink():
                data = f.read_bytes()
                assert b"/sx/store/" not in data, f
                if f.parent.name == "bin":
                    assert b"/build/bin" not in data, f
    gz = Path(tstore.real_path(userland_out["gzip"]))
    assert (gz / "bin" / "zcat").read_bytes().startswith(b"#!/bin/sh\n")
    assert not (Path(tstore.real_path(userland_out["tar"])) / "libexec").exists()
    # The shell-path rewrite left the scripts' links alone.
    xz_bin = Path(tstore.real_path(userland_out["xz"])) / "bin"
    assert (xz_bin / "xzcmp").is_symlink()
    assert (xz_bin / "xzdiff").read_bytes().startswith(b"#!/bin/sh\n")


def test_sed_edits_a_file(at_work: Path) -> None:
    assert (at_work / "sed.txt").read_text() == "# edited by sed\nalpha=1\nbeta=20\n"


def test_gzip_and_xz_round_trip_and_agree_with_python(at_work: Path) -> None:
    data = sample_data()
    assert (at_work / "data.gunzip").read_bytes() == data
    assert (at_work / "data.unxz").read_bytes() == data
    packed_gz = (at_work / "data.bin.gz").read_bytes()
    packed_xz = (at_work / "data.bin.xz").read_bytes()
    assert gzip.decompress(packed_gz) == data
    assert lzma.decompress(packed_xz) == data
    assert len(packed_gz) < len(data) and len(packed_xz) < len(data)
    # gzip stored the file name, and reads it back (-l parses the header).
    assert packed_gz[3] & 0x08 and b"data.bin\x00" in packed_gz[:32]
    assert "data.bin" in (at_work / "gzip-l.txt").read_text()


def test_tar_creates_lists_and_extracts_an_archive(at_work: Path) -> None:
    data = sample_data()
    names = ["tree/", "tree/a.txt", "tree/link", "tree/sub/", "tree/sub/data.bin"]
    assert (at_work / "tar-list.txt").read_text().splitlines() == names
    assert (at_work / "untarred.bin").read_bytes() == data
    assert (at_work / "untarred-link.txt").read_text() == "a.txt\n"
    raw = lzma.decompress((at_work / "tree.tar.xz").read_bytes())
    with tarfile.open(fileobj=io.BytesIO(raw)) as tf:
        members = {m.name: m for m in tf.getmembers()}
        assert sorted(members) == [n.rstrip("/") for n in names]
        assert members["tree/link"].issym() and members["tree/link"].linkname == "a.txt"
        assert all(m.mtime == 0 and m.uid == 0 for m in members.values())
        f = tf.extractfile("tree/sub/data.bin")
        assert f is not None and f.read() == data


def test_bash_runs_bash_only_features(at_work: Path) -> None:
    assert (at_work / "bash.txt").read_text() == BASH_EXPECTED


def test_coreutils_outputs_match_python(at_work: Path) -> None:
    data = sample_data()
    assert (at_work / "sha256.txt").read_text() == f"{hashlib.sha256(data).hexdigest()}  data.bin\n"
    assert (at_work / "md5.txt").read_text() == f"{hashlib.md5(data).hexdigest()}  data.bin\n"
    assert (at_work / "sort-n.txt").read_text() == "apple,1\npear,3\napple,5\nfig,7\nkiwi,11\n"
    assert (at_work / "uniq.txt").read_text() == " 2 apple\n 1 fig\n 1 kiwi\n 1 pear\n"
    assert (at_work / "ls.txt").read_text() == ".hidden\na\nb\ndir/\n"
    assert (at_work / "size.txt").read_text() == f"{len(data)}\n"
    assert (at_work / "wc.txt").read_text() == f"{len(data)}\n"
    assert (at_work / "base64.txt").read_text() == base64.b64encode(b"one\n").decode()
    assert (at_work / "seq.txt").read_text() == "1+2+3+4+5\n"
    assert (at_work / "date.txt").read_text() == "1970-01-02 00:00:00\n"
    assert (at_work / "printf.txt").read_text() == "003.1|ff|word\n"
    assert (at_work / "factor.txt").read_text() == "600851475143: 71 839 1471 6857\n"


def test_gzip_stage_rebuilds_bit_identically(
        tstore: LocalStore, userland_out: dict[str, StorePath]) -> None:
    drv = userland.gzip()
    again = realize(tstore, [drv], BuildOptions(jobs=2, check=True))
    assert [d.name for d in again.built] == ["gzip"]
    assert again.outputs == [{"out": userland_out["gzip"]}]


# A package that needs no compiler: configure runs a script directly (so its
# #!/bin/sh must have been rewritten), make checks that m4/x.m4 (which has
# `#! /bin/sh` on its second line) kept its mtime, install writes a script.
FAKE_CONFIGURE = """#!/bin/sh
for a in "$@"; do case $a in --prefix=*) prefix=${a#--prefix=} ;; esac; done
./tool.sh > tool.out
printf 'prefix = %s\\n' "$prefix" > config.mk
"""

FAKE_MAKEFILE = """include config.mk
all: aclocal.m4
aclocal.m4: m4/x.m4
\t@echo "m4/x.m4 is newer than aclocal.m4" >&2; exit 1
install:
\tmkdir -p $(prefix)/bin
\tprintf '#!/build/bin/sh\\necho fake\\n' > $(prefix)/bin/tool
\tmkdir -p $(prefix)/share && cp tool.out $(prefix)/share/
\tchmod 755 $(prefix)/bin/tool
"""


def fake_package(tmp_path: Path, name: str, install_extra: str = "",
                 files: dict[str, str] | None = None) -> Derivation:
    """A derivation whose output is ``name`` (a ustar .tar.gz of a fake GNU-style package)."""
    members = {
        "configure": FAKE_CONFIGURE,
        "Makefile": FAKE_MAKEFILE + install_extra,
        "tool.sh": "#!/bin/sh\necho made by tool.sh\n",
        "aclocal.m4": "dnl generated\n",
        "m4/x.m4": "dnl an m4 file\n#! /bin/sh is text here, not a shebang\n",
        **(files or {}),
    }
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        for path, text in sorted(members.items()):
            info = tarfile.TarInfo(f"fake-1.0/{path}")
            body = text.encode()
            info.size, info.mtime = len(body), 1_600_000_000
            info.mode = 0o755 if path in ("configure", "tool.sh") else 0o644
            tf.addfile(info, io.BytesIO(body))
    tarball = tmp_path / "fake.tar.gz"
    tarball.write_bytes(gzip.compress(buf.getvalue(), mtime=0))
    src = Source(str(tarball))
    return derivation(name, seeds.busybox_bin(), args=["sh", "-c", 'cp "$tb" "$out"'],
                      env={"tb": str(src)}, inputs=[seeds.busybox()], srcs=[src])


def build_fails(store: LocalStore, drv: Derivation, message: str) -> None:
    """Realizing ``drv`` fails, and its log says ``message``."""
    with pytest.raises(BuildError):
        build(store, [drv])
    log = (read_log(store.logs, drv.drv_path) or b"").decode(errors="replace")
    assert message in log


def test_build_gnu_keeps_mtimes_and_rewrites_shell_paths(tstore: LocalStore,
                                                         tmp_path: Path) -> None:
    src = fake_package(tmp_path, "fake-1.0.tar.gz")
    [out] = build(tstore, [userland.build_gnu("fake", src, "fake-1.0", [], None)])
    root = Path(tstore.real_path(out))
    assert (root / "share" / "tool.out").read_text() == "made by tool.sh\n"
    assert (root / "bin" / "tool").read_text().startswith("#!/bin/sh\n")
    assert tstore.require(out).references == ()


def test_build_gnu_refuses_an_install_that_names_the_build_tools(tstore: LocalStore,
                                                                 tmp_path: Path) -> None:
    extra = "\tprintf 'grep=/build/bin/grep\\n' >> $(prefix)/bin/tool\n"
    src = fake_package(tmp_path, "fake-1.0.tar.gz", install_extra=extra)
    build_fails(tstore, userland.build_gnu("fake", src, "fake-1.0", [], None),
                "still name the build's tool directory")


def test_build_gnu_refuses_an_unknown_archive_type(tstore: LocalStore, tmp_path: Path) -> None:
    src = fake_package(tmp_path, "fake-1.0.zip")
    build_fails(tstore, userland.build_gnu("fake", src, "fake-1.0", [], None),
                "not a .tar.xz or .tar.gz")


def test_gzip_fix_fails_loudly_when_its_source_is_not_there(tstore: LocalStore,
                                                            tmp_path: Path) -> None:
    src = fake_package(tmp_path, "fake-1.0.tar.gz", files={"gzip.c": "int main(void);\n"})
    build_fails(tstore, userland.build_gnu("gzip", src, "fake-1.0", [], None),
                "expected 2 calls discard_input_bytes (-1, flags), found 0")
