"""Store paths: golden fingerprints and paths, Nix's base32, names and parsing."""

from __future__ import annotations

import re
import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sx.store.errors import InvalidInput, InvalidName, InvalidPath
from sx.store.hashing import Digest
from sx.store.path import (
    NAME_MAX,
    STORE_DIR,
    StorePath,
    fingerprint,
    is_digest,
    make_path,
    nix_base32,
    validate_name,
)

HELLO = Digest.b3(b"hello")

# Golden values: changing any of them changes every store path sx ever made.
GOLDEN_FINGERPRINT = (
    b"sx-path-1\0source\0"
    b"b3:ea8f163db38682925e4491c5e58d4bb3506ef8c14eb78a86e908c5624a67200f\0/sx/store\0hello")
GOLDEN_SOURCE = "/sx/store/8k0mc6kh0v4hijdv817j10mfar3kwwa5-hello"
GOLDEN_OUTPUT_SELF = "/sx/store/h8aczv59dxlkzkc9f4l2q44q11x659r7-hello"
GOLDEN_DRV = "/sx/store/3zmbil9l26rx4ivrnx5lmg2nli3d3y44-hello.drv"
GOLDEN_FIXED = "/sx/store/2mf22zmpv1rijilp4a7mpd2a97vg538n-hello.tar.gz"

# (hex, Nix base32) pairs printed by `nix-hash --type <t> --to-base32 <hex>`.
NIX_BASE32 = [
    ("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73"),
    ("da39a3ee5e6b4b0d3255bfef95601890afd80709", "143xibwh31h9bvxzalr0sjvbbvpa6ffs"),
    ("0000000000000000000000000000000000000001", "04000000000000000000000000000000"),
    ("ffffffffffffffffffffffffffffffffffffffff", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"),
    ("00000000000000000000000000000080", "40000000000000000000000000"),
]


def test_fingerprint_is_golden() -> None:
    assert fingerprint("source", HELLO, "hello") == GOLDEN_FINGERPRINT


def test_fixed_fingerprint_gives_fixed_path() -> None:
    source = make_path("source", HELLO, "hello")
    assert str(source) == GOLDEN_SOURCE
    assert str(make_path("output", HELLO, "hello", [source], self_reference=True)) \
        == GOLDEN_OUTPUT_SELF
    out = StorePath.parse(GOLDEN_OUTPUT_SELF)
    assert str(make_path("drv", HELLO, "hello.drv", [out, source])) == GOLDEN_DRV
    assert str(make_path("fixed", Digest.sha256(b"hello"), "hello.tar.gz")) == GOLDEN_FIXED


def test_every_input_of_the_fingerprint_changes_the_path() -> None:
    base = make_path("source", HELLO, "hello")
    other = make_path("source", Digest.b3(b"other"), "x")
    variants = {
        make_path("output", HELLO, "hello"),
        make_path("source", Digest.b3(b"hello!"), "hello"),
        make_path("source", HELLO, "hello2"),
        make_path("source", HELLO, "hello", [other]),
        make_path("source", HELLO, "hello", self_reference=True),
    }
    assert base not in variants and len(variants) == 5


def test_references_are_a_set() -> None:
    a = make_path("source", Digest.b3(b"a"), "a")
    b = make_path("source", Digest.b3(b"b"), "b")
    assert make_path("source", HELLO, "x", [a, b]) == make_path("source", HELLO, "x", [b, a, a])


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(InvalidInput, match="kind"):
        make_path("nonsense", HELLO, "x")


@pytest.mark.parametrize(("hexdigest", "expected"), NIX_BASE32)
def test_nix_base32_golden(hexdigest: str, expected: str) -> None:
    assert nix_base32(bytes.fromhex(hexdigest)) == expected


@pytest.mark.nix
def test_nix_base32_matches_nix_hash() -> None:
    for i in range(8):
        raw = Digest.sha256(f"vector {i}".encode()).raw
        for algo, data in (("sha256", raw), ("sha1", raw[:20])):
            nix = subprocess.run(["nix-hash", "--type", algo, "--to-base32", data.hex()],
                                 capture_output=True, text=True, check=True).stdout.strip()
            assert nix_base32(data) == nix


def test_store_path_digest_is_32_chars_of_160_bits() -> None:
    p = make_path("source", HELLO, "hello")
    assert len(p.digest) == 32 and is_digest(p.digest)
    assert p.base == f"{p.digest}-hello"
    assert str(p) == f"{STORE_DIR}/{p.base}"


@pytest.mark.parametrize("name", ["a", "hello-1.0", "x+y=z?_.A9", "A" * NAME_MAX, "a..b"])
def test_good_names(name: str) -> None:
    assert validate_name(name) == name


@pytest.mark.parametrize(("name", "why"), [
    ("", "name is empty"),
    (".hidden", "must not start with '.'"),
    ("..", "must not start with '.'"),
    ("a/b", "character '/' not allowed"),
    ("has space", "character ' ' not allowed"),
    ("ünï", "character 'ü' not allowed"),
    ("nul\0", "not allowed"),
    ("A" * (NAME_MAX + 1), f"longer than {NAME_MAX} characters"),
])
def test_bad_names_are_refused_clearly(name: str, why: str) -> None:
    with pytest.raises(InvalidName, match="validate name") as e:
        validate_name(name)
    assert why in str(e.value)
    assert "\n" not in str(e.value)


def test_make_path_validates_the_name() -> None:
    with pytest.raises(InvalidName):
        make_path("source", HELLO, ".x")


def test_parse_round_trips() -> None:
    p = StorePath.parse(GOLDEN_SOURCE)
    assert str(p) == GOLDEN_SOURCE
    assert StorePath.from_base(p.base) == p
    assert StorePath.split(GOLDEN_SOURCE + "/bin/tool") == (p, "bin/tool")
    assert StorePath.split(GOLDEN_SOURCE) == (p, "")
    assert StorePath.parse(GOLDEN_DRV).is_derivation


@pytest.mark.parametrize(("text", "why"), [
    ("/nix/store/8k0mc6kh0v4hijdv817j10mfar3kwwa5-hello", "not under /sx/store"),
    ("/sx/store/8k0mc6kh0v4hijdv817j10mfar3kwwa5", "expected '<32 base32 chars>-<name>'"),
    ("/sx/store/8k0mc6kh0v4hijdv817j10mfar3kwwae-hello", "expected '<32 base32 chars>-<name>'"),
    ("/sx/store/8k0mc6kh0v4hijdv817j10mfar3kwwa5_hello", "expected '<32 base32 chars>-<name>'"),
    ("/sx/store/8k0mc6kh0v4hijdv817j10mfar3kwwa5-hello/bin", "extra path components"),
    ("/sx/store/short-hello", "expected '<32 base32 chars>-<name>'"),
])
def test_bad_paths_are_refused_clearly(text: str, why: str) -> None:
    with pytest.raises(InvalidPath) as e:
        StorePath.parse(text)
    assert why in str(e.value) and text in str(e.value)


def test_bad_name_inside_a_path_names_the_path() -> None:
    text = "/sx/store/8k0mc6kh0v4hijdv817j10mfar3kwwa5-.hidden"
    with pytest.raises(InvalidName, match="parse store path") as e:
        StorePath.parse(text)
    assert text in str(e.value)


def test_paths_order_and_hash_as_values() -> None:
    a = StorePath.parse(GOLDEN_SOURCE)
    b = StorePath.parse(GOLDEN_DRV)
    assert sorted([a, b]) == [b, a]  # by digest
    assert len({a, StorePath.parse(GOLDEN_SOURCE)}) == 1


def _checked_slowly(text: str) -> StorePath | None:
    """The rules spelled out one by one: the constructor validates digest and name."""
    if len(text) < 34 or text[32] != "-" or "/" in text:
        return None
    try:
        return StorePath(text[:32], text[33:])
    except InvalidInput:
        return None


_GRAMMAR = rf"[0-9a-df-np-sv-z]{{32}}-(?!\.)[A-Za-z0-9+\-._?=]{{1,{NAME_MAX}}}"
_BASE_CHARS = "0123456789abcdfghijklmnpqrsvwxyz" + "eout-._+?=/ A\n\u00e9\u0660\x00"


@given(st.one_of(
    st.text(alphabet=_BASE_CHARS, min_size=30, max_size=250),
    st.builds(lambda d, n: d + "-" + n,
              st.text(alphabet="0123456789abcdfghijklmnpqrsvwxyz", min_size=32, max_size=32),
              st.text(alphabet=_BASE_CHARS, max_size=220)),
))
def test_from_base_accepts_exactly_what_the_rules_accept(text: str) -> None:
    # from_base checks a whole base name in one match; it must agree with the
    # field-by-field validation of the constructor on every input.
    want = _checked_slowly(text)
    # ... and with the grammar written as a regular expression, which sx no
    # longer uses (``re`` costs every command's start-up).
    assert (want is not None) == bool(re.fullmatch(_GRAMMAR, text))
    try:
        got: StorePath | None = StorePath.from_base(text)
    except InvalidInput as e:
        assert f"parse store path {text!r}" in str(e)
        got = None
    assert got == want
    if got is not None:
        assert got.base == text and hash(got) == hash(want)


def test_from_base_edges_of_the_name() -> None:
    digest = "8k0mc6kh0v4hijdv817j10mfar3kwwa5"
    assert StorePath.from_base(f"{digest}-{'a' * NAME_MAX}").name == "a" * NAME_MAX
    for bad in (f"{digest}-{'a' * (NAME_MAX + 1)}", f"{digest}-", f"{digest}-.a",
                f"{digest}-a\n", f"{digest}-\u0661"):
        with pytest.raises(InvalidName):
            StorePath.from_base(bad)
    assert is_digest(digest) and not is_digest(digest + "\n") and not is_digest(digest[:-1])
