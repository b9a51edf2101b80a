"""The configuration file: substituters, trusted keys, required signatures."""

from __future__ import annotations

from pathlib import Path

import pytest
from sx.store.cache.config import config_path, load_config, parse_config
from sx.store.cache.signing import SecretKey
from sx.store.cache.substitute import load_policy
from sx.store.errors import InvalidInput
from sx.store.local import LocalStore


def _write(root: Path, text: str) -> Path:
    (root / "etc").mkdir(parents=True, exist_ok=True)
    path = root / "etc" / "sx.conf"
    path.write_text(text)
    return path


def test_no_file_means_no_substituters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SX_CONFIG", raising=False)
    store = LocalStore(str(tmp_path / "r"))
    cfg = load_config(store.root)
    assert cfg.substituters == () and cfg.trusted_keys == ()
    assert load_policy(store) is None


def test_full_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SX_CONFIG", raising=False)
    a, b = SecretKey.generate("alice"), SecretKey.generate("bob")
    store = LocalStore(str(tmp_path / "r"))
    _write(tmp_path / "r", f"""
# every other setting lives in the same file
jobs = 2
substituters = ["file:///srv/a", "http://127.0.0.1:1"]
trusted-public-keys = ["{a.public()}", "{b.public()}"]
required-signatures = 2
""")
    policy = load_policy(store)
    assert policy is not None
    assert policy.substituters == ("file:///srv/a", "http://127.0.0.1:1")
    assert policy.required == 2
    assert [k.name for k in policy.keys] == ["alice", "bob"]


def test_sx_config_overrides_the_root_file(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "other.conf"
    other.write_text('substituters = ["file:///x"]\n')
    monkeypatch.setenv("SX_CONFIG", str(other))
    assert config_path(str(tmp_path / "r")) == str(other)
    assert load_config(str(tmp_path / "r")).substituters == ("file:///x",)


def test_required_defaults_to_one() -> None:
    a = SecretKey.generate("a")
    cfg = parse_config(f'trusted-public-keys = ["{a.public()}"]', "t")
    assert cfg.policy().required == 1


@pytest.mark.parametrize("text,cause", [
    ("substituters = [", "load config t: "),
    ('substituters = "file:///x"', "load config t: substituters: expected a list of strings"),
    ("trusted-public-keys = [1]", "load config t: trusted-public-keys: expected a list of strings"),
    ('trusted-public-keys = ["nocolon"]', "expected '<name>:<base64>'"),
    ('required-signatures = "2"', "load config t: required-signatures: expected a whole number"),
    ("required-signatures = true", "required-signatures: expected a whole number >= 1"),
    ("required-signatures = 0", "required-signatures: expected a whole number >= 1"),
    ('substituter = ["file:///x"]', "load config t: unknown key 'substituter' "
                                    "\\(did you mean 'substituters'\\?\\)"),
])
def test_bad_config_is_refused(text: str, cause: str) -> None:
    with pytest.raises(InvalidInput, match=cause):
        parse_config(text, "t")


def test_k_larger_than_n_is_refused_when_used(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SX_CONFIG", raising=False)
    a = SecretKey.generate("a")
    store = LocalStore(str(tmp_path / "r"))
    path = _write(tmp_path / "r", f'substituters = ["file:///x"]\n'
                                  f'trusted-public-keys = ["{a.public()}"]\n'
                                  f"required-signatures = 2\n")
    with pytest.raises(InvalidInput, match=f"load config {path}: .*required-signatures = 2 "
                                           "but only 1 distinct trusted keys"):
        load_policy(store)


def test_substituters_without_keys_are_refused(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SX_CONFIG", raising=False)
    store = LocalStore(str(tmp_path / "r"))
    _write(tmp_path / "r", 'substituters = ["file:///x"]\n')
    with pytest.raises(InvalidInput, match="only 0 distinct trusted keys"):
        load_policy(store)
