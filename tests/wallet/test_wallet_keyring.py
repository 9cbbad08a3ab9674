"""HD wallets in the keyring: stored like keys (scrypt + AES-GCM, mode 0600), loaded as their everyday GOS key, and
side by side with the single-key files written before them.

Cheap scrypt parameters keep these fast; test_cli_keyring_hardening.py covers the real ones.
"""

import importlib.util
import json
import stat
import subprocess
from pathlib import Path
from types import ModuleType

import pytest

from gostaking.wallet.hd import MnemonicError, gos_key, seed_from_mnemonic
from gostaking.wallet.keyring import (
    KeyExistsError,
    KeyFileError,
    Keyring,
    NotAWalletError,
    PassphraseRequiredError,
    ScryptParams,
    WeakPassphraseError,
    WrongPassphraseError,
)
from gostaking.wallet.keys import PrivateKey

CHEAP = ScryptParams(n=2**4, r=1, p=1)
CHEAPER = ScryptParams(n=2**2, r=1, p=1)
PASSPHRASE = "keyring passphrase"
ABANDON = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
ZOO = "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong"
RELEASE_BEFORE_HD_WALLETS = "7d5c92b"
REPOSITORY = Path(__file__).resolve().parents[2]

# Written by the keyring of RELEASE_BEFORE_HD_WALLETS: Keyring(kdf=CHEAP).add("sealed", key 11, "a passphrase of
# today") and .add("plain", key 12, None). They must open unchanged.
SEALED_FILE = """{
  "version": 1,
  "name": "sealed",
  "address": "gos17ttm3r35ry60jg77ue3dzvajl3njjmml925g46",
  "public_key": "03774ae7f858a9411e5ef4246b70c65aac5649980be5c17891bbec17895da008cb",
  "crypto": {
    "kdf": "scrypt",
    "n": 16,
    "r": 1,
    "p": 1,
    "salt": "0061875f96ae4a9e91dd80cf03d54254",
    "cipher": "aes-256-gcm",
    "nonce": "6cd97b01f145aab3a04858c1",
    "ciphertext": "312a578f486b915024f369e357d6059be3969ffc5f19a20f5f456fbd385d740601882fc5d1d32cc7dadd226e02d71afc"
  }
}
"""
PLAIN_FILE = """{
  "version": 1,
  "name": "plain",
  "address": "gos1w7fl2n8jg334xhkxww8h4lsesnqjswvpcgprjn",
  "public_key": "03d01115d548e7561b15c38f004d734633687cf4419620095bc5b0f47070afe85a",
  "crypto": null,
  "private_key": "000000000000000000000000000000000000000000000000000000000000000c"
}
"""


def keyring(directory: Path, kdf: ScryptParams = CHEAP) -> tuple[Keyring, list[str]]:
    reports: list[str] = []
    return Keyring(directory, kdf=kdf, report=reports.append), reports


def test_a_wallet_is_stored_encrypted_and_loads_as_its_everyday_gos_key(tmp_path: Path) -> None:
    ring, reports = keyring(tmp_path / "keys")
    info = ring.add_wallet("savings", ABANDON.upper(), PASSPHRASE)
    seed = seed_from_mnemonic(ABANDON)
    assert info.hd and info.encrypted and info.address == gos_key(seed).address
    assert info.public_key == gos_key(seed).public_key
    assert stat.S_IMODE(info.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(ring.directory.stat().st_mode) == 0o700
    text = info.path.read_text()
    assert "abandon" not in text and seed.hex() not in text and gos_key(seed).secret.hex() not in text
    assert json.loads(text)["kind"] == "hd-wallet"

    assert ring.load("savings", PASSPHRASE) == gos_key(seed)
    assert ring.load_seed("savings", PASSPHRASE) == seed
    wallet = ring.load_wallet("savings", PASSPHRASE)
    assert (wallet.mnemonic, wallet.bip39_passphrase) == (ABANDON, "")
    assert ring.show("savings") == info and [entry.name for entry in ring.list()] == ["savings"]
    with pytest.raises(WrongPassphraseError, match=r"^wrong passphrase for wallet 'savings'$"):
        ring.load_seed("savings", "not the passphrase")
    with pytest.raises(PassphraseRequiredError, match="wallet 'savings' is encrypted"):
        ring.load("savings", None)
    assert reports == [] and list(ring.directory.iterdir()) == [info.path]


def test_the_bip39_passphrase_is_part_of_the_seed_and_kept_encrypted(tmp_path: Path) -> None:
    ring, _ = keyring(tmp_path)
    plain = ring.add_wallet("plain", ABANDON, PASSPHRASE)
    hidden = ring.add_wallet("hidden", ABANDON, PASSPHRASE, bip39_passphrase="TREZOR")
    assert plain.address != hidden.address
    assert ring.load_seed("hidden", PASSPHRASE) == seed_from_mnemonic(ABANDON, "TREZOR")
    assert ring.load_wallet("hidden", PASSPHRASE).bip39_passphrase == "TREZOR"
    assert "TREZOR" not in hidden.path.read_text()


def test_an_unencrypted_wallet_is_for_devnets_only_but_works(tmp_path: Path) -> None:
    ring, _ = keyring(tmp_path)
    info = ring.add_wallet("dev", ZOO, None, "p")
    assert info.hd and not info.encrypted
    assert json.loads(info.path.read_text())["wallet"] == {"mnemonic": ZOO, "bip39_passphrase": "p"}
    assert ring.load_seed("dev", None) == seed_from_mnemonic(ZOO, "p")
    assert ring.load("dev", "ignored") == gos_key(seed_from_mnemonic(ZOO, "p"))


def test_single_keys_have_no_seed_and_bad_wallets_are_not_written(tmp_path: Path) -> None:
    ring, _ = keyring(tmp_path)
    ring.add("alice", PrivateKey((5).to_bytes(32, "big")), PASSPHRASE)
    for load in (ring.load_seed, ring.load_wallet):
        with pytest.raises(NotAWalletError, match=r"^'alice' is a single key, not an HD wallet$"):
            load("alice", "passphrase not even tried")
    with pytest.raises(MnemonicError, match="checksum"):
        ring.add_wallet("w", ABANDON.replace("about", "abandon"), PASSPHRASE)
    with pytest.raises(MnemonicError, match="'abot' is not a word"):
        ring.add_wallet("w", ABANDON.replace("about", "abot"), PASSPHRASE)
    with pytest.raises(WeakPassphraseError):
        ring.add_wallet("w", ABANDON, "short")
    with pytest.raises(KeyExistsError, match="'alice' already exists"):
        ring.add_wallet("alice", ABANDON, PASSPHRASE)
    assert [path.name for path in tmp_path.iterdir()] == ["alice.json"]


def test_keys_written_before_hd_wallets_open_unchanged_beside_wallets(tmp_path: Path) -> None:
    (tmp_path / "sealed.json").write_text(SEALED_FILE)
    (tmp_path / "plain.json").write_text(PLAIN_FILE)
    for path in tmp_path.iterdir():
        path.chmod(0o600)
    ring, reports = keyring(tmp_path)
    ring.add_wallet("wallet", ABANDON, PASSPHRASE)
    assert [(info.name, info.hd, info.encrypted) for info in ring.list()] == [
        ("plain", False, False),
        ("sealed", False, True),
        ("wallet", True, True),
    ]
    assert ring.load("sealed", "a passphrase of today") == PrivateKey((11).to_bytes(32, "big"))
    assert ring.load("plain", None) == PrivateKey((12).to_bytes(32, "big"))
    assert (tmp_path / "sealed.json").read_text() == SEALED_FILE  # same parameters: no rewrite
    assert (tmp_path / "plain.json").read_text() == PLAIN_FILE
    assert reports == []


def _released_keyring_module() -> ModuleType:
    """gostaking/wallet/keyring.py as RELEASE_BEFORE_HD_WALLETS shipped it (read from the repository's history)."""
    shown = subprocess.run(
        ["git", "show", f"{RELEASE_BEFORE_HD_WALLETS}:gostaking/wallet/keyring.py"],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=False,
    )
    if shown.returncode != 0:
        pytest.skip(f"the repository's history has no {RELEASE_BEFORE_HD_WALLETS} (a shallow clone?)")
    spec = importlib.util.spec_from_loader("released_keyring", loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    exec(compile(shown.stdout, "released_keyring.py", "exec"), module.__dict__)  # our own past source, from git
    return module


def test_the_previous_release_writes_keys_we_open_and_refuses_our_wallets(tmp_path: Path) -> None:
    released = _released_keyring_module()
    old = released.Keyring(tmp_path, kdf=released.ScryptParams(n=2**4, r=1, p=1), report=lambda line: None)
    old.add("sealed", PrivateKey((11).to_bytes(32, "big")), "a passphrase of today")
    ring, _ = keyring(tmp_path)
    assert ring.load("sealed", "a passphrase of today") == PrivateKey((11).to_bytes(32, "big"))
    ring.add_wallet("sealed-wallet", ABANDON, PASSPHRASE)
    ring.add_wallet("plain-wallet", ABANDON, None)
    # The previous release lists a wallet under its GOS address, but never opens it as some other key.
    assert {info.name: info.address for info in old.list()}["sealed-wallet"] == ring.show("sealed-wallet").address
    for name in ("sealed-wallet", "plain-wallet"):
        with pytest.raises(released.KeyFileError):
            old.load(name, PASSPHRASE)


def test_a_weakly_encrypted_wallet_is_re_encrypted_when_opened(tmp_path: Path) -> None:
    weak, _ = keyring(tmp_path, CHEAPER)
    weak.add_wallet("w", ZOO, PASSPHRASE, "extra")
    ring, reports = keyring(tmp_path, CHEAP)
    assert ring.load_seed("w", PASSPHRASE) == seed_from_mnemonic(ZOO, "extra")
    assert json.loads((tmp_path / "w.json").read_text())["crypto"]["n"] == CHEAP.n
    assert len(reports) == 1 and reports[0].startswith("note: wallet 'w' re-encrypted with scrypt N=2^4")
    assert ring.load_wallet("w", PASSPHRASE).mnemonic == ZOO


def test_tampered_wallet_files_are_refused(tmp_path: Path) -> None:
    ring, _ = keyring(tmp_path)
    path = ring.add_wallet("w", ABANDON, PASSPHRASE).path
    good = json.loads(path.read_text())
    other = ring.add_wallet("other", ZOO, PASSPHRASE).path
    cases = (
        # another wallet's address: the ciphertext is bound to its own
        ({**good, "address": json.loads(other.read_text())["address"]}, WrongPassphraseError, "wrong passphrase"),
        # passed off as a single key: the associated data names the kind too
        ({key: value for key, value in good.items() if key != "kind"}, KeyFileError, "is damaged"),
        ({**good, "kind": "hd-wallet-v9"}, KeyFileError, "'hd-wallet-v9', which this gostaking does not know"),
        ({**good, "public_key": json.loads(other.read_text())["public_key"]}, KeyFileError, "records a public key"),
    )
    for document, error, message in cases:
        path.write_text(json.dumps(document))
        with pytest.raises(error, match=message) as raised:
            ring.load("w", PASSPHRASE)
        assert "\n" not in str(raised.value)
    plain = ring.add_wallet("plain", ABANDON, None).path
    document = json.loads(plain.read_text())
    document["wallet"]["mnemonic"] = ZOO  # a different phrase than the recorded address's
    plain.write_text(json.dumps(document))
    with pytest.raises(KeyFileError, match="holds a key for"):
        ring.load("plain", None)
    document["wallet"]["mnemonic"] = "zoo zoo"
    plain.write_text(json.dumps(document))
    with pytest.raises(KeyFileError, match="is malformed: a recovery phrase has 12"):
        ring.load("plain", None)
