"""The CLI's default keyring finds the default devnet's keys by name (`--from operator` without --home); the user's
own keys come first, and an explicit --home or --keyring means that keyring alone."""

from pathlib import Path

import pytest

from gostaking.cli.options import open_keyring
from gostaking.node.runtime import init_devnet_home
from gostaking.node.settings import DEVNET_KEYS_ENV
from gostaking.wallet.keyring import KeyNotFoundError, Keyring
from gostaking.wallet.keys import PrivateKey


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A GoStaking home whose default devnet home has been created (as `gostaking devnet` does)."""
    monkeypatch.setenv("GOSTAKING_HOME", str(tmp_path))
    monkeypatch.delenv(DEVNET_KEYS_ENV, raising=False)
    init_devnet_home(tmp_path / "devnet")
    return tmp_path


def test_devnet_keys_are_found_by_name_and_the_users_own_come_first(home: Path) -> None:
    devnet = Keyring(home / "devnet" / "keys")
    keyring = open_keyring(None, None)
    assert keyring.directory == home / "keys"
    for name in ("operator", "council-1", "kyc-provider", "custodian3"):
        assert keyring.show(name).address == devnet.show(name).address
        assert keyring.load(name, None).address == devnet.show(name).address

    own = PrivateKey.generate()
    keyring.add("operator", own, None)  # new keys go to the user's keyring, even under a devnet key's name
    assert (home / "keys" / "operator.json").exists()
    assert open_keyring(None, None).show("operator").address == own.address
    assert devnet.show("operator").address != own.address


def test_a_name_in_neither_keyring_names_the_users_keyring(home: Path) -> None:
    with pytest.raises(KeyNotFoundError, match=str(home / "keys")):
        open_keyring(None, None).load("nobody", None)


def test_explicit_home_or_keyring_means_that_keyring_alone(
    home: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    with pytest.raises(KeyNotFoundError):
        open_keyring(elsewhere, None).show("operator")
    with pytest.raises(KeyNotFoundError):
        open_keyring(None, elsewhere / "keys").show("operator")
    assert open_keyring(home / "devnet", None).show("operator").address  # the devnet's home, named


def test_another_devnets_keys_by_environment(
    home: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path_factory.mktemp("other-devnet")
    init_devnet_home(other)
    monkeypatch.setenv(DEVNET_KEYS_ENV, str(other / "keys"))
    assert open_keyring(None, None).show("faucet").address == Keyring(other / "keys").show("faucet").address
