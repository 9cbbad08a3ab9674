"""Keyring hardening: OWASP scrypt parameters and the upgrade of older key files, the minimum passphrase length,
damaged files, and the 0700/0600 permissions with their warnings.

Most tests pass cheap scrypt parameters (`CHEAP`) to exercise the mechanics quickly; the first two use the real
OWASP parameters once each, to show that files written by the previous release open and upgrade for real.
"""

import json
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import gostaking.wallet.keyring as keyring_module
from gostaking.cli.main import app
from gostaking.wallet.keyring import (
    KEY_FILE_VERSION,
    MIN_PASSPHRASE_LENGTH,
    OWASP_SCRYPT,
    KeyFileError,
    Keyring,
    ScryptParams,
    WeakPassphraseError,
    WrongPassphraseError,
)
from gostaking.wallet.keys import PrivateKey

CHEAP = ScryptParams(n=2**4, r=1, p=1)
CHEAPER = ScryptParams(n=2**2, r=1, p=1)
PASSPHRASE = "long enough passphrase"
KEY = PrivateKey((7).to_bytes(32, "big"))

# Written by the previous release's Keyring.add("legacy", KEY, "s3cret"): format 1, scrypt N=2^15, and a passphrase
# shorter than today's minimum (which applies to new keys only).
LEGACY_FILE = """{
  "version": 1,
  "name": "legacy",
  "address": "gos15gpeg2w295hjhnq8yksks2hwavavrw88xh8wxe",
  "public_key": "025cbdf0646e5db4eaa398f365f2ea7a0e3d419b7e0330e39ce92bddedcac4f9bc",
  "crypto": {
    "kdf": "scrypt",
    "n": 32768,
    "r": 8,
    "p": 1,
    "salt": "581bb796a1a4e868d73e29c0e91232b1",
    "cipher": "aes-256-gcm",
    "nonce": "97e27e9c8a5c939fb08ab348",
    "ciphertext": "0bcf483e85944a974bd0bd130de11f2f4ce4258d9e4ee439ac8104aefe8b215150dc4f361a64f2ec09e0221c216ded46"
  }
}
"""


def private_keyring(directory: Path, kdf: ScryptParams = CHEAP) -> tuple[Keyring, list[str]]:
    """A keyring whose reports are collected in the returned list."""
    reports: list[str] = []
    return Keyring(directory, kdf=kdf, report=reports.append), reports


def legacy_keyring(tmp_path: Path) -> Path:
    directory = tmp_path / "keys"
    directory.mkdir(mode=0o700)
    (directory / "legacy.json").write_text(LEGACY_FILE)
    (directory / "legacy.json").chmod(0o600)
    return directory


def crypto_of(path: Path) -> dict[str, object]:
    crypto: dict[str, object] = json.loads(path.read_text())["crypto"]
    return crypto


def run(args: list[str], home: Path, input_text: str | None = None, **env: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, args, input=input_text, env={"GOSTAKING_HOME": str(home), **env})
    return result.exit_code, result.output


def test_new_keys_use_the_owasp_scrypt_parameters(tmp_path: Path) -> None:
    assert (OWASP_SCRYPT.n, OWASP_SCRYPT.r, OWASP_SCRYPT.p) == (2**17, 8, 1)
    assert Keyring(tmp_path).kdf == OWASP_SCRYPT  # the default
    info = Keyring(tmp_path / "keys").add("alice", KEY, PASSPHRASE)
    document = json.loads(info.path.read_text())
    assert document["version"] == KEY_FILE_VERSION == 1
    assert {k: document["crypto"][k] for k in ("kdf", "n", "r", "p", "cipher")} == {
        "kdf": "scrypt",
        "n": 2**17,
        "r": 8,
        "p": 1,
        "cipher": "aes-256-gcm",
    }


def test_a_key_file_of_the_previous_release_opens_and_is_upgraded(tmp_path: Path) -> None:
    directory = legacy_keyring(tmp_path)
    ring, reports = private_keyring(directory, OWASP_SCRYPT)
    before = (directory / "legacy.json").read_text()
    with pytest.raises(WrongPassphraseError, match="wrong passphrase for key 'legacy'"):
        ring.load("legacy", "not the passphrase")
    assert (directory / "legacy.json").read_text() == before and reports == []  # nothing upgraded or touched

    assert ring.load("legacy", "s3cret") == KEY
    upgraded = json.loads((directory / "legacy.json").read_text())
    old = json.loads(before)
    assert (upgraded["crypto"]["n"], upgraded["crypto"]["r"], upgraded["crypto"]["p"]) == (2**17, 8, 1)
    assert upgraded["crypto"]["salt"] != old["crypto"]["salt"] and upgraded["crypto"]["nonce"] != old["crypto"]["nonce"]
    assert {k: v for k, v in upgraded.items() if k != "crypto"} == {k: v for k, v in old.items() if k != "crypto"}
    assert reports == [
        f"note: key 'legacy' re-encrypted with scrypt N=2^17, r=8, p=1 (was scrypt N=2^15, r=8, p=1) in "
        f"{directory / 'legacy.json'}"
    ]
    assert stat.S_IMODE((directory / "legacy.json").stat().st_mode) == 0o600
    assert sorted(p.name for p in directory.iterdir()) == ["legacy.json"]  # no temporary file left behind
    assert Keyring(directory, report=reports.append).load("legacy", "s3cret") == KEY  # opens as it is now
    assert len(reports) == 1  # and is not upgraded twice


def test_upgrades_never_downgrade_and_a_failed_write_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    strong, _ = private_keyring(tmp_path, CHEAP)
    strong.add("k", KEY, PASSPHRASE)
    written = (tmp_path / "k.json").read_bytes()
    weak, reports = private_keyring(tmp_path, CHEAPER)
    assert weak.load("k", PASSPHRASE) == KEY
    assert (tmp_path / "k.json").read_bytes() == written and reports == []  # stronger than CHEAPER: kept

    old, _ = private_keyring(tmp_path / "old", CHEAPER)
    old.add("k", KEY, PASSPHRASE)
    written = (tmp_path / "old" / "k.json").read_bytes()

    def disk_full(path: Path, data: bytes, mode: int = 0o600, *, exclusive: bool = False) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(keyring_module, "write_atomic", disk_full)
    ring, reports = private_keyring(tmp_path / "old", CHEAP)
    assert ring.load("k", PASSPHRASE) == KEY  # the key still loads
    assert (tmp_path / "old" / "k.json").read_bytes() == written
    assert len(reports) == 1 and reports[0].startswith(f"warning: could not re-encrypt key file {tmp_path}/old/k.json")
    assert "No space left on device" in reports[0]
    monkeypatch.undo()
    assert ring.load("k", PASSPHRASE) == KEY and crypto_of(tmp_path / "old" / "k.json")["n"] == CHEAP.n


def test_a_key_file_changed_during_the_upgrade_is_left_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old, _ = private_keyring(tmp_path, CHEAPER)
    old.add("k", KEY, PASSPHRASE)
    ring, reports = private_keyring(tmp_path, CHEAP)
    replaced = PrivateKey((8).to_bytes(32, "big"))
    real_seal = keyring_module._seal

    def seal_while_another_process_rewrites(key: PrivateKey, passphrase: str, params: ScryptParams) -> dict[str, Any]:
        monkeypatch.setattr(keyring_module, "_seal", real_seal)
        (tmp_path / "k.json").unlink()  # e.g. `gostaking keys delete k` and a new key of that name
        old.add("k", replaced, PASSPHRASE)
        return real_seal(key, passphrase, params)

    monkeypatch.setattr(keyring_module, "_seal", seal_while_another_process_rewrites)
    assert ring.load("k", PASSPHRASE) == KEY
    assert old.load("k", PASSPHRASE) == replaced and crypto_of(tmp_path / "k.json")["n"] == CHEAPER.n
    assert reports == []


def test_new_encrypted_keys_need_a_passphrase_of_the_minimum_length(tmp_path: Path) -> None:
    ring, _ = private_keyring(tmp_path / "keys")
    short = "x" * (MIN_PASSPHRASE_LENGTH - 1)
    for passphrase in ("", short):
        with pytest.raises(WeakPassphraseError, match=f"at least {MIN_PASSPHRASE_LENGTH} characters"):
            ring.add("k", KEY, passphrase)
    assert not (tmp_path / "keys").exists()  # nothing written
    assert ring.add("k", KEY, "x" * MIN_PASSPHRASE_LENGTH).encrypted
    assert not ring.add("throwaway", PrivateKey.generate(), None).encrypted

    code, out = run(["keys", "add", "alice"], tmp_path, GOSTAKING_PASSPHRASE="short")
    assert code == 1 and out.strip() == (
        f"error: the passphrase must have at least {MIN_PASSPHRASE_LENGTH} characters"
        " (use --no-passphrase for an unencrypted throwaway key)"
    )
    code, out = run(["keys", "add", "alice"], tmp_path, f"short\n{PASSPHRASE}\n{PASSPHRASE}\n")
    assert code == 0 and "created key 'alice'" in out, out
    assert f"Error: the passphrase must have at least {MIN_PASSPHRASE_LENGTH} characters" in out  # and asked again
    assert "short" not in out and PASSPHRASE not in out
    code, out = run(["keys", "add", "bob", "--no-passphrase"], tmp_path)
    assert code == 0 and "UNENCRYPTED" in out


def test_damaged_key_files_are_clear_errors(tmp_path: Path) -> None:
    ring, _ = private_keyring(tmp_path / "keys")
    path = ring.add("k", KEY, PASSPHRASE).path
    good = json.loads(path.read_text())

    def damaged(change: dict[str, object], crypto: dict[str, object] | None = None) -> None:
        document = {**good, **change}
        if crypto is not None:
            document["crypto"] = {**good["crypto"], **crypto}
        path.write_text(json.dumps(document))

    cases: list[tuple[str, str]] = []
    path.write_text(json.dumps(good)[:120])
    cases.append(("truncated", "is not valid JSON (damaged or truncated?)"))
    for change, crypto, message in (
        ({"version": 2}, None, "has format version 2, newer than this gostaking reads (1): upgrade gostaking"),
        ({"version": "x"}, None, "has an unknown format"),
        ({"crypto": "x"}, None, "is malformed"),
        ({}, {"ciphertext": good["crypto"]["ciphertext"][:-2]}, "is damaged: its salt, nonce or ciphertext"),
        ({}, {"nonce": "abc"}, "is malformed"),
        ({}, {"n": 2**40}, "has unusable scrypt parameters (scrypt N=2^40, r=1, p=1): they need"),
        ({}, {"n": 1000}, "N must be a power of 2"),
        ({}, {"n": "16"}, "scrypt parameters must be integers"),
        ({}, {"kdf": "argon2id"}, "uses 'argon2id'/'aes-256-gcm', not scrypt/AES-GCM"),
        ({}, {"r": None}, "scrypt parameters must be integers"),
    ):
        damaged(change, crypto)
        with pytest.raises(KeyFileError) as raised:
            ring.load("k", PASSPHRASE)
        assert str(raised.value).startswith(f"key file {path} ") and message in str(raised.value), change or crypto
        assert "\n" not in str(raised.value)
    damaged({}, {"salt": "00" * 16})  # a flipped bit looks like a wrong passphrase to AES-GCM: said as such
    with pytest.raises(WrongPassphraseError):
        ring.load("k", PASSPHRASE)

    damaged({"public_key": PrivateKey.generate().public_key.hex()})
    with pytest.raises(KeyFileError, match="records a public key that is not its key's"):
        ring.load("k", PASSPHRASE)

    path.write_text(json.dumps(good)[:120])
    code, out = run(["keys", "export", "k", "--yes"], tmp_path, GOSTAKING_PASSPHRASE=PASSPHRASE)
    assert code == 1 and out == f"error: key file {path} is not valid JSON (damaged or truncated?)\n"
    assert path.exists()  # a bad file is reported, never removed


@contextmanager
def umask(mask: int) -> Iterator[None]:
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


def test_the_directory_is_0700_and_key_files_0600_whatever_the_umask(tmp_path: Path) -> None:
    for mask in (0o000, 0o022, 0o277):
        directory = tmp_path / f"umask{mask:03o}" / "keys"
        directory.parent.mkdir()
        with umask(mask):
            ring, reports = private_keyring(directory)
            info = ring.add("k", KEY, None)
            ring.add("e", KEY, PASSPHRASE)
            Keyring(directory, kdf=ScryptParams(2**5, 1, 1), report=reports.append).load("e", PASSPHRASE)  # rewrite
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, mask
        assert stat.S_IMODE(info.path.stat().st_mode) == 0o600, mask
        assert stat.S_IMODE((directory / "e.json").stat().st_mode) == 0o600, mask
        assert [line for line in reports if line.startswith("warning")] == [], mask


def test_loose_permissions_give_one_warning_each_and_the_key_still_works(tmp_path: Path) -> None:
    ring, _ = private_keyring(tmp_path / "keys")
    path = ring.add("alice", KEY, None).path
    path.chmod(0o644)
    (tmp_path / "keys").chmod(0o755)
    fresh, reports = private_keyring(tmp_path / "keys")
    assert fresh.load("alice", None) == KEY and fresh.show("alice").address == KEY.address
    assert reports == [
        f"warning: keyring directory {tmp_path / 'keys'} is accessible to other users (mode 0755):"
        f" run `chmod 700 {tmp_path / 'keys'}`",
        f"warning: key file {path} is accessible to other users (mode 0644): run `chmod 600 {path}`",
    ]

    code, out = run(["keys", "show", "alice", "--address"], tmp_path)
    assert code == 0 and out.splitlines() == [*reports, KEY.address]  # the warnings go to stderr, one line each

    (tmp_path / "keys").chmod(0o700)
    path.chmod(0o600)
    code, out = run(["keys", "show", "alice", "--address"], tmp_path)
    assert (code, out) == (0, KEY.address + "\n")
