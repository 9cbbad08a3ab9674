"""Multisig and 2FA wallet descriptors are kept alike (wallet/descriptors.py): created once in a private folder,
read back whole, and a missing, unreadable, foreign or newer file refused with a one-line error naming it."""

import json
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from gostaking.wallet.cosigner_client import CosignerClientError, TwoFactorStore, TwoFactorWallet
from gostaking.wallet.descriptors import DescriptorFolder
from gostaking.wallet.keys import PrivateKey
from gostaking.wallet.multisig import MultisigError, MultisigStore, multisig_key

KEYS = [PrivateKey.from_hex(f"{n:064x}") for n in (1, 2, 3)]


@dataclass(frozen=True)
class Kind:
    """One kind of descriptor: how to store one named `name`, read it back, and the error it raises."""

    store: Callable[[Path], DescriptorFolder]
    add: Callable[[Path, str], str]
    """Stores a descriptor `name` under the keyring directory; returns its address."""
    show: Callable[[Path, str], str]
    """The address of the stored descriptor `name`."""
    error: type[Exception]
    missing: str


def _add_multisig(keys: Path, name: str) -> str:
    return MultisigStore(keys).add(name, multisig_key(2, [k.public_key for k in KEYS])).address


def _add_two_factor(keys: Path, name: str) -> str:
    wallet = TwoFactorWallet(name, "hd", "http://127.0.0.1:1", *(k.public_key for k in KEYS))
    TwoFactorStore(keys).add(wallet)
    return wallet.address


MULTISIG = Kind(
    MultisigStore,
    _add_multisig,
    lambda keys, name: MultisigStore(keys).show(name).address,
    MultisigError,
    "no multisig named 'absent'",
)
TWO_FACTOR = Kind(
    TwoFactorStore,
    _add_two_factor,
    lambda keys, name: TwoFactorStore(keys).show(name).address,
    CosignerClientError,
    "no 2FA wallet named 'absent'",
)
BOTH = pytest.mark.parametrize("kind", [MULTISIG, TWO_FACTOR], ids=["multisig", "2fa"])


@BOTH
def test_a_descriptor_is_created_once_in_a_private_folder(kind: Kind, tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    address = kind.add(keys, "team")
    folder = kind.store(keys).directory
    assert kind.show(keys, "team") == address
    assert stat.S_IMODE(keys.stat().st_mode) == stat.S_IMODE(folder.stat().st_mode) == 0o700
    before = (folder / "team.json").read_bytes()
    with pytest.raises(kind.error, match="named 'team' already exists"):
        kind.add(keys, "team")
    assert (folder / "team.json").read_bytes() == before


@BOTH
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "cannot read"),
        (b'{"kind": "something-else", "version": 1}', "is not a"),
        (None, "has version 2; this release reads version 1"),
    ],
    ids=["not-json", "other-kind", "newer-version"],
)
def test_a_file_that_is_not_such_a_descriptor_is_refused(
    kind: Kind, content: bytes | None, message: str, tmp_path: Path
) -> None:
    keys = tmp_path / "keys"
    kind.add(keys, "team")
    path = kind.store(keys).path("team")
    if content is None:  # the file as written, from a later release
        content = json.dumps({**json.loads(path.read_text()), "version": 2}).encode()
    path.write_bytes(content)
    with pytest.raises(kind.error, match=message) as refused:
        kind.show(keys, "team")
    assert str(path) in str(refused.value) and "\n" not in str(refused.value)


@BOTH
def test_a_missing_descriptor_is_named(kind: Kind, tmp_path: Path) -> None:
    with pytest.raises(kind.error, match=kind.missing):
        kind.show(tmp_path / "keys", "absent")
