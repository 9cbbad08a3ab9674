"""Keyring files and the `gostaking keys` commands."""

import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gostaking.cli.main import app
from gostaking.wallet.keyring import (
    InvalidKeyNameError,
    KeyExistsError,
    KeyFileError,
    KeyNotFoundError,
    Keyring,
    PassphraseRequiredError,
    WrongPassphraseError,
    default_keyring_dir,
)
from gostaking.wallet.keys import PrivateKey

KEY = PrivateKey((5).to_bytes(32, "big"))


def test_encrypted_key_round_trip_and_errors(tmp_path: Path) -> None:
    ring = Keyring(tmp_path / "keys")
    info = ring.add("alice", KEY, "correct horse")
    assert info.encrypted and info.address == KEY.address
    assert stat.S_IMODE(info.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(ring.directory.stat().st_mode) == 0o700
    assert KEY.secret.hex() not in info.path.read_text()
    assert ring.load("alice", "correct horse") == KEY
    with pytest.raises(WrongPassphraseError, match="wrong passphrase for key 'alice'"):
        ring.load("alice", "wrong")
    with pytest.raises(PassphraseRequiredError):
        ring.load("alice", None)
    with pytest.raises(KeyExistsError, match="already exists"):
        ring.add("alice", PrivateKey.generate(), None)
    assert ring.load("alice", "correct horse") == KEY  # the original is untouched
    with pytest.raises(KeyNotFoundError, match="no key named 'bob'"):
        ring.load("bob", None)
    for bad in ("", "../evil", "a/b", ".hidden", "x" * 65):
        with pytest.raises(InvalidKeyNameError):
            ring.add(bad, KEY, None)
    assert list(ring.directory.iterdir()) == [info.path]  # no temporary files left behind


def test_tampered_key_files_are_reported(tmp_path: Path) -> None:
    ring = Keyring(tmp_path)
    info = ring.add("k", KEY, "long passphrase")
    document = json.loads(info.path.read_text())
    document["address"] = PrivateKey.generate().address
    info.path.write_text(json.dumps(document))
    with pytest.raises(WrongPassphraseError):  # the address is bound to the ciphertext
        ring.load("k", "long passphrase")
    info.path.write_text("{not json")
    with pytest.raises(KeyFileError, match="not valid JSON"):
        ring.show("k")
    assert ring.list() == []


def test_keyring_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOSTAKING_HOME", str(tmp_path / "env"))
    assert default_keyring_dir() == tmp_path / "env" / "keys"
    assert default_keyring_dir(home=tmp_path / "h") == tmp_path / "h" / "keys"
    assert default_keyring_dir(home=tmp_path / "h", keyring=tmp_path / "k") == tmp_path / "k"


def run(args: list[str], home: Path, input_text: str | None = None, **env: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, args, input=input_text, env={"GOSTAKING_HOME": str(home), **env})
    return result.exit_code, result.output


def test_keys_commands(tmp_path: Path) -> None:
    code, out = run(["keys", "add", "alice"], tmp_path, "s3cret-s3cret\ns3cret-s3cret\n")
    assert code == 0 and "created key 'alice'" in out and "encrypted" in out
    address = Keyring(tmp_path / "keys").show("alice").address
    code, out = run(["keys", "add", "bob", "--no-passphrase"], tmp_path)
    assert code == 0 and "UNENCRYPTED" in out
    code, out = run(["keys", "list"], tmp_path)
    assert code == 0 and "alice" in out and address in out and "unencrypted" in out
    code, out = run(["keys", "show", "alice", "--address"], tmp_path)
    assert (code, out.strip()) == (0, address)
    code, out = run(["keys", "show", "alice"], tmp_path)
    assert json.loads(out)["encrypted"] is True

    code, out = run(["keys", "export", "alice", "--yes"], tmp_path, "nope\n")
    assert code == 1 and out.strip().splitlines()[-1] == "error: wrong passphrase for key 'alice'"
    code, out = run(["keys", "export", "alice", "--yes"], tmp_path, GOSTAKING_PASSPHRASE="s3cret-s3cret")
    assert code == 0 and len(out.strip()) == 64
    code, out = run(["keys", "add", "alice", "--no-passphrase"], tmp_path)
    assert code == 1 and "already exists" in out and "Traceback" not in out
    code, out = run(["keys", "add", "bad/name", "--no-passphrase"], tmp_path)
    assert code == 1 and "invalid key name" in out
    code, out = run(["keys", "add", "carol"], tmp_path, "one-one-one\ntwo-two-two\none-one-one\none-one-one\n")
    assert code == 0  # a mismatched confirmation is asked again

    code, out = run(["keys", "import", "dave", KEY.secret.hex(), "--no-passphrase"], tmp_path)
    assert code == 0 and KEY.address in out
    code, out = run(["keys", "import", "erin", "zz", "--no-passphrase"], tmp_path)
    assert code == 1 and "64 hexadecimal digits" in out
    code, out = run(["keys", "import", "frank", "--no-passphrase"], tmp_path, KEY.secret.hex() + "\n")
    assert code == 0 and KEY.address in out

    code, out = run(["keys", "delete", "bob"], tmp_path, "n\n")
    assert code == 1 and Keyring(tmp_path / "keys").show("bob")
    code, out = run(["keys", "delete", "bob", "-y"], tmp_path)  # -y, as in every command that asks
    assert code == 0
    code, out = run(["keys", "show", "bob"], tmp_path)
    assert code == 1 and out.strip() == f"error: no key named 'bob' in {tmp_path / 'keys'}"
