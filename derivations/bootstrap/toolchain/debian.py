"""Pinned Debian packages: the binary seeds and the source packages of the toolchain chain.

Every file is named by its pool path (fetched through ``mirror://debian/``,
which the builder resolves from this machine's apt configuration) and pinned
by sha256 (the value Debian's signed ``Packages`` / ``.dsc`` indexes carry)
and BLAKE3 (sx's own hash). Only files from the main archive are pinned, not
from ``debian-security``: the security pool is not reached through
``mirror://debian`` and its versions move.

The binary packages are all bookworm (Debian 12) amd64.
"""

from __future__ import annotations

from dataclasses import dataclass

from sx.derivations.model import Derivation, fetchurl
from sx.store.errors import NotFound


@dataclass(frozen=True)
class DebFile:
    """One pinned file of the Debian archive."""

    package: str
    version: str
    pool_path: str
    sha256: str
    b3: str
    size: int

    @property
    def url(self) -> str:
        """The ``mirror://debian/`` URL of this file."""
        return f"mirror://debian/{self.pool_path}"

    @property
    def file_name(self) -> str:
        """The file name in the pool (Debian leaves the epoch out of it)."""
        return self.pool_path.rsplit("/", 1)[1]


def _pkg(package: str, version: str, pool_path: str, sha256: str, b3: str,
         size: int) -> DebFile:
    return DebFile(package, version, pool_path, sha256, b3, size)


BINARY_PACKAGES: dict[str, DebFile] = {d.package: d for d in (
    _pkg("binutils", "2.40-2",
         "pool/main/b/binutils/binutils_2.40-2_amd64.deb",
         "83c3e20b53e1fbd84d764c3ba27d26a0376e361ae5d7fb37120196934dd87424",
         "f045a9ea6b7773ac84b3db460c8bb6c774ca39a58f6a1f4dcfc7841c5215cd9b", 64980),
    _pkg("binutils-x86-64-linux-gnu", "2.40-2",
         "pool/main/b/binutils/binutils-x86-64-linux-gnu_2.40-2_amd64.deb",
         "2d7ea8a570d768224d7f2424abbe6f373d2154865a1fa7f56c80d43ecf492521",
         "2a76997567122c75db332f3f42b3e8a5cb279efec5052d688e60106ab516998d", 2245848),
    _pkg("busybox-static", "1:1.35.0-4+deb12u1+b1",
         "pool/main/b/busybox/busybox-static_1.35.0-4+deb12u1+b1_amd64.deb",
         "3d3fdbe91d4660c873e14b092c213fe81c1da6362daa236eb25d0171eb108744",
         "3784087783fe498a992b098b0f4c749c7fbaf377477754a2243159c6367be981", 928188),
    _pkg("clang-14", "1:14.0.6-12",
         "pool/main/l/llvm-toolchain-14/clang-14_14.0.6-12_amd64.deb",
         "e66721b4fd2c47aa326a4100d9dfdbd8838e04c17479da560d88ac1aab5ea863",
         "4b1b032236fa6e40aafbcba35ea51d35ff762742ac38d6738d15dc1fef6297a5", 101936),
    _pkg("cpp-12", "12.2.0-14+deb12u1",
         "pool/main/g/gcc-12/cpp-12_12.2.0-14+deb12u1_amd64.deb",
         "fedbb98e877adde83c983c6071537ea25ac52b277ac6e4637d85025949ca1454",
         "4ad21225f96b11447b3d41a14b75d4a40d2092f94182e8b500636ba9b3cef488", 9767788),
    _pkg("g++-12", "12.2.0-14+deb12u1",
         "pool/main/g/gcc-12/g++-12_12.2.0-14+deb12u1_amd64.deb",
         "68b182badae4ace7d472f1393c559d3532a95a2d70817498b10bb481d2627251",
         "880e5967e85bfdffd24f30dbc51231e72cf9cc7b13e565c1119341e5f1103cf3", 10694076),
    _pkg("gcc-12", "12.2.0-14+deb12u1",
         "pool/main/g/gcc-12/gcc-12_12.2.0-14+deb12u1_amd64.deb",
         "b46f33cc2ec245e435e043807038cecf4b201ef004800e9dfc1455240360e49d",
         "11156c1482c1856b4726e7fb0e87cce6804b808a35d64c0bf3d43108c0db4f57", 19268852),
    _pkg("libbinutils", "2.40-2",
         "pool/main/b/binutils/libbinutils_2.40-2_amd64.deb",
         "fcf55b99e5f8a78f3c8ce9b6957f1024f394cf20c196b100d308a57e43547710",
         "a3d80052b2489ea385607f473f5252d7395c7cd307dad0dff3ad8dd475136570", 572104),
    _pkg("libbsd0", "0.11.7-2",
         "pool/main/libb/libbsd/libbsd0_0.11.7-2_amd64.deb",
         "bb31cc8b40f962a85b2cec970f7f79cc704a1ae4bad24257a822055404b2c60b",
         "767e673dc1cf2bf4370a97ddb45b7818c3c2b0d4e8917e2b0c33b0c01c6a69a7", 117416),
    _pkg("libc6", "2.36-9+deb12u14",
         "pool/main/g/glibc/libc6_2.36-9+deb12u14_amd64.deb",
         "ba4f88f73dbc3ae9055f3c20f4523bfdbaf1ad13ff95e258924f77d20b4fbedf",
         "4e57dc9d0f2ec4a102630af658ad79e168eb94767cec957efe094662ba0327a7", 2759320),
    _pkg("libc6-dev", "2.36-9+deb12u14",
         "pool/main/g/glibc/libc6-dev_2.36-9+deb12u14_amd64.deb",
         "0218fc2befcd784c1b0c6292c0a137ce89fad054efaa579ad083bee0f2c01aae",
         "0d695261e9c1a95a484e88d4985d0c17a378af0d792b39ce8675b9ae6cbc1a7b", 1903668),
    _pkg("libclang-common-14-dev", "1:14.0.6-12",
         "pool/main/l/llvm-toolchain-14/libclang-common-14-dev_14.0.6-12_all.deb",
         "838781bfc798bcbdca68516db6546cf83677078efa57851bb957c19e265de7c6",
         "70c8cfb0a6a2a0392ea134ffdae3b4da1b88e1ecaa94afd33533ffda6d451dcf", 889680),
    _pkg("libclang-cpp14", "1:14.0.6-12",
         "pool/main/l/llvm-toolchain-14/libclang-cpp14_14.0.6-12_amd64.deb",
         "964b13d74e9aece340cde93fecd2a2f18dd63afcb707a797ce7b39d430a01c46",
         "a5c98a09d2368d859f545bb12e6e750cced865bcceb5e8372e7119d9ec8a9b65", 11085548),
    _pkg("libctf-nobfd0", "2.40-2",
         "pool/main/b/binutils/libctf-nobfd0_2.40-2_amd64.deb",
         "ef1dfcf22de41ea90ebd3d505447ccccd999e96b85aa777a1d7d981dc3b347aa",
         "6f5160516499dc554d63db47e0a4a180dee2aa7e6a383fe0afe1422c92563cca", 153384),
    _pkg("libctf0", "2.40-2",
         "pool/main/b/binutils/libctf0_2.40-2_amd64.deb",
         "3fb7b6f326be3fae4a87a3d33b9269bd06c1e4346a24bd737f265067e3b7427f",
         "f9feb07caf95d6ca51c35d6b604033260ffcddc34b89debf7b5c0657d8bb7435", 89796),
    _pkg("libedit2", "3.1-20221030-2",
         "pool/main/libe/libedit/libedit2_3.1-20221030-2_amd64.deb",
         "1cf14abf2716d3279db12d0657a5737cf70074a1e71d3bdf73206625e3c89ce6",
         "1c6fb58e4ccddc881e98124cdd3f677ab3d15e46e3524b4cf79e1c2e30440f81", 92992),
    _pkg("libffi8", "3.4.4-1",
         "pool/main/libf/libffi/libffi8_3.4.4-1_amd64.deb",
         "6d9f6c25c30efccce6d4bceaa48ea86c329a3432abb360a141f76ac223a4c34a",
         "ea14f8941274c37d9843bb5011211878c33e968da5674ba41da0ce1286447ffb", 22856),
    _pkg("libgcc-12-dev", "12.2.0-14+deb12u1",
         "pool/main/g/gcc-12/libgcc-12-dev_12.2.0-14+deb12u1_amd64.deb",
         "d720259380a84f2ffc6fe516eff5cbe9c8a005138e8d6a5748747ba4b3404a82",
         "f0ddd123f50e011124d9cc33f78374f683b5fdcb37c44d1283155ac87f47476e", 2437204),
    _pkg("libgcc-s1", "12.2.0-14+deb12u1",
         "pool/main/g/gcc-12/libgcc-s1_12.2.0-14+deb12u1_amd64.deb",
         "3016e62cb4b7cd8038822870601f5ed131befe942774d0f745622cc77d8a88f7",
         "955718c592de15d62e70ddbc5f0524d748cc3620e4b71a2a264871773fb93a79", 49856),
    _pkg("libgmp10", "2:6.2.1+dfsg1-1.1",
         "pool/main/g/gmp/libgmp10_6.2.1+dfsg1-1.1_amd64.deb",
         "187aedef2ed763f425c1e523753b9719677633c7eede660401739e9c893482bd",
         "0af7fdb9bcd95163848be785b9644e994b0dcf3f9721815b89ed257f8407743e", 562588),
    _pkg("libicu72", "72.1-3+deb12u1",
         "pool/main/i/icu/libicu72_72.1-3+deb12u1_amd64.deb",
         "f7f6f99c6d7b025914df2447fc93e11d22c44c0c8bdd8b6f36691c9e7ddcef88",
         "4fe9869d38d96ab74b5a94a19b40c501cf77d53a42cef70ec79c4a786e48ed31", 9376124),
    _pkg("libisl23", "0.25-1.1",
         "pool/main/i/isl/libisl23_0.25-1.1_amd64.deb",
         "ebff0b2f8b220c74224197523019366e97ee4770d464bebc48e4865114e4da0e",
         "8a4f6e641bb28aa7ab66def913a6240612f110c25f48998810248b7912eda896", 683060),
    _pkg("libjansson4", "2.14-2",
         "pool/main/j/jansson/libjansson4_2.14-2_amd64.deb",
         "3fc9742f9f1a37bcb9931df6074b4d1483419ef832ad5349f47323e75fc27864",
         "bc9bd771cd5c4e339c6ecfd3e74cd8f5c7f9ad56c199e9656d9400752ff2b059", 40788),
    _pkg("libllvm14", "1:14.0.6-12",
         "pool/main/l/llvm-toolchain-14/libllvm14_14.0.6-12_amd64.deb",
         "cd986403cfe53f47c41b80667f6b344c40fe35de4c5081dad9358b4c77cf64a8",
         "201a753bf4837d91432ef741de8edf1cdfd5ec08f45b10da54f788368ec053ab", 21840232),
    _pkg("liblzma5", "5.4.1-1+deb12u1",
         "pool/main/x/xz-utils/liblzma5_5.4.1-1+deb12u1_amd64.deb",
         "f96d8876b53ec89d76a992bc199679b818cf518225a768954d9451fb556a4eb7",
         "f378072ee693ceee48bf1dcc2f9855fd3979ed6815f41ea13bfe21f0f50354b5", 205732),
    _pkg("libmd0", "1.0.4-2",
         "pool/main/libm/libmd/libmd0_1.0.4-2_amd64.deb",
         "03539fd30c509e27101d13a56e52eda9062bdf1aefe337c07ab56def25a13eab",
         "5f5181aa120f9c59df1e1151a8eceb5f1fe3a50f72940d5b72e3d786705d6700", 29456),
    _pkg("libmpc3", "1.3.1-1",
         "pool/main/m/mpclib3/libmpc3_1.3.1-1_amd64.deb",
         "d7f79544790e44f9b0c8cb9034a18c58d37f8702a15f32539050718679e52f80",
         "d6c3cc570fa0e28c9ac1a965503696a94943300dbeb06385d4c4c520b6fcff3b", 51480),
    _pkg("libmpfr6", "4.2.0-1",
         "pool/main/m/mpfr4/libmpfr6_4.2.0-1_amd64.deb",
         "37b7a2b4e78890b6a074777f27b96c84f58e81558ba08410c2b6c0ca4a4ad77b",
         "b2f09c23e60e9ab782d454c24fa3ae9686076eb4ef0c43a5e741409ddc503a39", 700900),
    _pkg("libstdc++-12-dev", "12.2.0-14+deb12u1",
         "pool/main/g/gcc-12/libstdc++-12-dev_12.2.0-14+deb12u1_amd64.deb",
         "d28def6c23630432b57cb38a4c2fd67a79d4e0484027386ca6e8d6005c3d7a73",
         "02f3c4090fdbc467429fad12bf129fa295c25409c3994a5483ac3b0e9873bbff", 2047292),
    _pkg("libstdc++6", "12.2.0-14+deb12u1",
         "pool/main/g/gcc-12/libstdc++6_12.2.0-14+deb12u1_amd64.deb",
         "5cd3171216d4ab0fc911cfe9c35509bf2dd8f47761c43b7f6a4296701551a24d",
         "edb9571986850dd9b2f7224208b58f5a54fb2aacdc04d4699c5bd757c97513d7", 612604),
    _pkg("libtinfo6", "6.4-4",
         "pool/main/n/ncurses/libtinfo6_6.4-4_amd64.deb",
         "072d908f38f51090ca28ca5afa3b46b2957dc61fe35094c0b851426859a49a51",
         "37110dd3f36035b01edaddc5117b17c2dc92adc5d17760b2cfaf53b0dbb08539", 331352),
    _pkg("libxml2", "2.9.14+dfsg-1.3~deb12u6",
         "pool/main/libx/libxml2/libxml2_2.9.14+dfsg-1.3~deb12u6_amd64.deb",
         "4460e39dda10a815881374217cde08474747cfa018358cd8612c14b390eff53b",
         "e094478e7fe26a964876eab37687ddc36af9d47d30a7594e94db6c515a0b3aeb", 688760),
    _pkg("libz3-4", "4.8.12-3.1",
         "pool/main/z/z3/libz3-4_4.8.12-3.1_amd64.deb",
         "6221ca25ad5abcfbe1965801029d85a88b4775320384b4b716de8fab7a4d2f7a",
         "1ffe44980beabc5ab173b9f436412762d547aba56a0e280cadfdda66f9333bb5", 7216172),
    _pkg("libzstd1", "1.5.4+dfsg2-5",
         "pool/main/libz/libzstd/libzstd1_1.5.4+dfsg2-5_amd64.deb",
         "6315b5ac38b724a710fb96bf1042019398cb656718b1522279a5185ed39318fa",
         "7db88597a6c43a6c9f6c3db03b566f02e99822c7162d7021b8282b712e22ce0d", 290036),
    _pkg("linux-libc-dev", "6.1.176-1",
         "pool/main/l/linux/linux-libc-dev_6.1.176-1_amd64.deb",
         "8bb258735b9dffbb111da778ebdd024750878e435ffd9dfcadcb6762ede6b4cf",
         "59b6dd1fa645e3d2c7b65f7cf6caf4aa2a73890f9e8da59f17892a445d9189b5", 2303828),
    _pkg("lld-14", "1:14.0.6-12",
         "pool/main/l/llvm-toolchain-14/lld-14_14.0.6-12_amd64.deb",
         "3b77ab0cc30bbba9e874ba57cabc090116ed52d5eebaa043cf1e1412c4523a99",
         "eeea533675ef3e4ba8c6f93e4481d0e9a12114e6e65a984e409bd525336b0d3a", 1192308),
    _pkg("tcc", "0.9.27+git20200814.62c30a4a-1",
         "pool/main/t/tcc/tcc_0.9.27+git20200814.62c30a4a-1_amd64.deb",
         "86f491f0deafd195ca7bd822aceb184cf8e44b86f79ea81b7a1874bc4e95867a",
         "3fb8dd3b40a6f8b726d5b84bac6e8a1d474d26cf7fec626eea40f543fb86ff89", 292872),
    _pkg("zlib1g", "1:1.2.13.dfsg-1",
         "pool/main/z/zlib/zlib1g_1.2.13.dfsg-1_amd64.deb",
         "d7dd1d1411fedf27f5e27650a6eff20ef294077b568f4c8c5e51466dc7c08ce4",
         "834cd0db9f895adc449850887c035a64580ebd63ac356933a4a973284d107443", 86684),
)}

TCC_VERSION = "0.9.27+git20200814.62c30a4a-1"
TCC_ORIG = _pkg(
    "tcc", TCC_VERSION,
    "pool/main/t/tcc/tcc_0.9.27+git20200814.62c30a4a.orig.tar.bz2",
    "d63c113bcdd657f51c8ee197a0b0a24203603313e19a52b5f678d40ab7f5df35",
    "5b9c533573f74fd28e2e5a38de7bd0477bb4463e6d6ad0bf942e1097b2c238f9", 708943)
"""The orig tarball: a snapshot of upstream's ``mob`` branch (no upstream release file)."""

TCC_DEBIAN = _pkg(
    "tcc", TCC_VERSION,
    "pool/main/t/tcc/tcc_0.9.27+git20200814.62c30a4a-1.debian.tar.xz",
    "27036dd5f67b6ce3b8212080d1d6e55b1f7b2e54a23d0f2a4af38090a8d75716",
    "b0ca4ebc43199fd19e15d2c62db60bb9701d2754b3d7960c1f681307d11721ab", 15044)
"""Debian's packaging; its three patches are not needed for the ONE_SOURCE build."""


def _safe_name(text: str) -> str:
    """A store-name-safe form of a Debian file name (store names have no ``~``)."""
    return text.replace("~", "_")


def fetch_file(f: DebFile, binary_seed: bool) -> Derivation:
    """The fixed-output derivation that fetches ``f`` (pinned by sha256 and BLAKE3)."""
    meta = {"debian-package": f"{f.package}={f.version}"}
    if binary_seed:
        meta["binary-seed"] = "1"
    return fetchurl(_safe_name(f.file_name), f.url,
                    [f"sha256:{f.sha256}", f"b3:{f.b3}"], meta=meta)


def deb(package: str) -> Derivation:
    """The fetch of a pinned binary package (a binary seed)."""
    f = BINARY_PACKAGES.get(package)
    if f is None:
        raise NotFound(f"find Debian package {package}: not pinned in the toolchain recipes")
    return fetch_file(f, binary_seed=True)


def tcc_source() -> Derivation:
    """The fetch of tcc's orig tarball (a source, not a binary seed)."""
    return fetch_file(TCC_ORIG, binary_seed=False)


MUSL_ORIG = _pkg(
    "musl", "1.2.3-1",
    "pool/main/m/musl/musl_1.2.3.orig.tar.gz",
    "7d5b0b6062521e4627e099e4c9dc8248d32a30285e959b7eecaa780cf8cfd4a4",
    "dd4d86b7f568ec1650d473d79697ea5df7a7b1a7fb71859a33f6e3161e62aecc", 1058642)
"""musl 1.2.3: byte for byte upstream's release file, MUSL_UPSTREAM_URL (same sha256)."""

BUSYBOX_VERSION = "1:1.35.0-4+deb12u1"
BUSYBOX_ORIG = _pkg(
    "busybox", BUSYBOX_VERSION,
    "pool/main/b/busybox/busybox_1.35.0.orig.tar.bz2",
    "faeeb244c35a348a334f4a59e44626ee870fb07b6884d68c10ae8bc19f83a694",
    "77cc119c1881686dc8d27eb72d6e84d2f4494f2c047dfaf106ac6bbb98fd9c25", 2480624)
"""busybox 1.35.0's orig tarball: upstream's release, without Debian's patches."""

BUSYBOX_DEBIAN = _pkg(
    "busybox", BUSYBOX_VERSION,
    "pool/main/b/busybox/busybox_1.35.0-4+deb12u1.debian.tar.xz",
    "1cacbe095ef4880ea7879933c8e3c5075d1527cd6fbcb626a9b41e5daefd1a46",
    "3b3b062f4870cccffa70699c25766ff3fe85bbdc4cb2374f982b05617b6733e1", 68028)
"""Debian's packaging of busybox-static's version: its configurations (``debian/config``)."""


MUSL_UPSTREAM_URL = "https://musl.libc.org/releases/musl-1.2.3.tar.gz"
"""Where upstream publishes the same file (signed with key 56BCDB593020450F)."""

BINUTILS_ORIG = _pkg(
    "binutils", "2.40-2",
    "pool/main/b/binutils/binutils_2.40.orig.tar.xz",
    "d78c2d2eb24a9be1e02f8854cb1bd435556d7f584fb6bfb6b07e6527d43fc41d",
    "09aea6c0a6d6f2eb0e29d4c83f407606f614c978a00308dd2d0ea325b4e1faf4", 25364048)
"""binutils 2.40 as Debian repacked it: not upstream's release file (different bytes)."""

MAKE_ORIG = _pkg(
    "make-dfsg", "4.3-4.1",
    "pool/main/m/make-dfsg/make-dfsg_4.3.orig.tar.gz",
    "be4c17542578824e745f83bcd2a9ba264206187247cb6a5f5df99b0a9d1f9047",
    "de474023333ba59eab57bc685c140b1d7bda02411aaaeecfd8ccaa95a3c3e0ed", 1845906)
"""GNU make 4.3, Debian's DFSG repack (the non-free manual removed): not upstream's file."""


GCC_ORIG = _pkg(
    "gcc-12", "12.2.0-14+deb12u1",
    "pool/main/g/gcc-12/gcc-12_12.2.0.orig.tar.gz",
    "b8298be16aeeb96a889c6afed0a8e2241b47452e89cc81fe65ea849d5c740fcb",
    "a5150802d173efea197c8b70a57566f8c1565285e3859ff0b724eb98766e7d22", 87090343)
"""gcc 12.2.0 as Debian packs it: a tarball around ``GCC_INNER`` (plus newlib and gm2)."""

GCC_INNER = "gcc-12-12.2.0/gcc-12.2.0-dfsg.tar.xz"
"""The member of GCC_ORIG that holds gcc itself (a DFSG repack, top directory gcc-12.2.0)."""

GMP_ORIG = _pkg(
    "gmp", "2:6.2.1+dfsg1-1.1",
    "pool/main/g/gmp/gmp_6.2.1+dfsg1.orig.tar.xz",
    "471b9e463e04362a0124f215afc5f0a4b99caedeeb62634c61bbc12988efa64c",
    "be7282f2496982baf5c0a4e0c09ce2ec4d2e7269c9c1bed17e46512c26816cb4", 1787428)
"""GMP 6.2.1, Debian's DFSG repack: not upstream's release file."""

MPFR_ORIG = _pkg(
    "mpfr4", "4.2.0-1",
    "pool/main/m/mpfr4/mpfr4_4.2.0.orig.tar.xz",
    "06a378df13501248c1b2db5aa977a2c8126ae849a9d9b7be2546fb4a9c26d993",
    "4e95c8d9eda9a18d01dd3ac5879437c51aa0357b6feb997aa4aeb30762a903e1", 1477532)
"""MPFR 4.2.0: byte for byte upstream's release file mpfr-4.2.0.tar.xz."""

MPC_ORIG = _pkg(
    "mpclib3", "1.3.1-1",
    "pool/main/m/mpclib3/mpclib3_1.3.1.orig.tar.gz",
    "ab642492f5cf882b74aa0cb730cd410a81edcdbec895183ce930e706c1c759b8",
    "86d083c43c08e98d4470c006a01e0df727c8ff56ddd2956b170566ba8c9a46de", 773573)
"""GNU MPC 1.3.1: byte for byte upstream's release file mpc-1.3.1.tar.gz."""


def gcc_source() -> Derivation:
    """The fetch of gcc-12's orig tarball (Debian's wrapper around the DFSG tarball)."""
    return fetch_file(GCC_ORIG, binary_seed=False)


def gmp_source() -> Derivation:
    """The fetch of GMP's orig tarball (Debian's DFSG repack of 6.2.1)."""
    return fetch_file(GMP_ORIG, binary_seed=False)


def mpfr_source() -> Derivation:
    """The fetch of MPFR's orig tarball (upstream's 4.2.0 release file)."""
    return fetch_file(MPFR_ORIG, binary_seed=False)


def mpc_source() -> Derivation:
    """The fetch of GNU MPC's orig tarball (upstream's 1.3.1 release file)."""
    return fetch_file(MPC_ORIG, binary_seed=False)


def musl_source() -> Derivation:
    """The fetch of musl's orig tarball (upstream's release file)."""
    return fetch_file(MUSL_ORIG, binary_seed=False)


def binutils_source() -> Derivation:
    """The fetch of binutils' orig tarball (Debian's repack of 2.40)."""
    return fetch_file(BINUTILS_ORIG, binary_seed=False)


def make_source() -> Derivation:
    """The fetch of GNU make's orig tarball (Debian's DFSG repack of 4.3)."""
    return fetch_file(MAKE_ORIG, binary_seed=False)


TAR_ORIG = _pkg(
    "tar", "1.34+dfsg-1.2+deb12u1",
    "pool/main/t/tar/tar_1.34+dfsg.orig.tar.xz",
    "7d57029540cb928394defb3b377b3531237c947e795b51aa8acac0c5ba0e4844",
    "8e30f762e5a6855850ed26c552cbdca98cfb84c30ebac6d4f889ce18d5dd3af7", 1981736)
"""GNU tar 1.34, Debian's DFSG repack (a ustar archive): not upstream's release file."""

SED_ORIG = _pkg(
    "sed", "4.9-1+deb12u1",
    "pool/main/s/sed/sed_4.9.orig.tar.xz",
    "6e226b732e1cd739464ad6862bd1a1aba42d7982922da7a53519631d24975181",
    "f9dc5a457400d6d12c493b1b079fca79fbc71eec41432ce1db6003b34478b6d7", 1397092)
"""GNU sed 4.9: byte for byte upstream's ``sed-4.9.tar.xz`` (the same sha256)."""

GZIP_ORIG = _pkg(
    "gzip", "1.12-1",
    "pool/main/g/gzip/gzip_1.12.orig.tar.xz",
    "ce5e03e519f637e1f814011ace35c4f87b33c0bbabeec35baf5fbd3479e91956",
    "fb8eb72ab23377db9a47608dc03fe30e08b5f8be0d150611bfca4654c752c6f4", 825548)
"""gzip 1.12: upstream's ``gzip-1.12.tar.xz`` (same sha256; Debian ships its signature)."""

XZ_ORIG = _pkg(
    "xz-utils", "5.4.1-1+deb12u1",
    "pool/main/x/xz-utils/xz-utils_5.4.1.orig.tar.xz",
    "5d9827aa1875b21c288f78864bb26d2650b436ea8d2cad364e4921eb6266a5a5",
    "b57b519a63c2c9c6e146c02fa2600b6d2480e8d4519679c0e6eb25be782c82ea", 1485272)
"""XZ Utils 5.4.1: upstream's ``xz-5.4.1.tar.xz`` (same sha256; Debian ships its signature)."""

BASH_ORIG = _pkg(
    "bash", "5.2.15-2",
    "pool/main/b/bash/bash_5.2.15.orig.tar.gz",
    "7a315bc0e9d90713159e4390ec1096a41e4f33cd8cc3d1a749a8e5ad56600f51",
    "73516a1e388806bc4911dfb269ac6596352603ceef259686137d9892911aa77f", 9997221)
"""bash 5.2.15 as Debian packed it: not upstream's ``bash-5.2.15.tar.gz`` (different bytes)."""

COREUTILS_ORIG = _pkg(
    "coreutils", "9.1-1",
    "pool/main/c/coreutils/coreutils_9.1.orig.tar.xz",
    "61a1f410d78ba7e7f37a5a4f50e6d1320aca33375484a3255eddf17a38580423",
    "7b512bda18b9c62a86cf261bd2996b6411ecacbf6de023f3de3a620b525d8fa0", 5712104)
"""GNU coreutils 9.1: byte for byte upstream's ``coreutils-9.1.tar.xz`` (the same sha256)."""


def tar_source() -> Derivation:
    """The fetch of GNU tar's orig tarball (Debian's DFSG repack of 1.34)."""
    return fetch_file(TAR_ORIG, binary_seed=False)


def sed_source() -> Derivation:
    """The fetch of GNU sed's orig tarball (upstream's release file)."""
    return fetch_file(SED_ORIG, binary_seed=False)


def gzip_source() -> Derivation:
    """The fetch of gzip's orig tarball (upstream's release file)."""
    return fetch_file(GZIP_ORIG, binary_seed=False)


def xz_source() -> Derivation:
    """The fetch of XZ Utils' orig tarball (upstream's release file)."""
    return fetch_file(XZ_ORIG, binary_seed=False)


def bash_source() -> Derivation:
    """The fetch of bash's orig tarball (Debian's, not upstream's file)."""
    return fetch_file(BASH_ORIG, binary_seed=False)


def coreutils_source() -> Derivation:
    """The fetch of coreutils' orig tarball (upstream's release file)."""
    return fetch_file(COREUTILS_ORIG, binary_seed=False)
