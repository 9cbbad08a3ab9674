"""Devnet home layout, genesis contents, one node per home, reset and a changed genesis."""

import json
import stat
from pathlib import Path

import pytest

from gostaking.chain.genesis import decode_genesis
from gostaking.chain.modules.compliance.queries import get_kyc_providers
from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.types.params import GovParams
from gostaking.node.runtime import DevnetError, init_devnet_home, open_devnet
from gostaking.node.settings import (
    COUNCIL_KEY_NAMES,
    CUSTODIAN_KEY_NAMES,
    DEVNET_CHAIN_ID,
    DEVNET_ROLE_KEYS,
    KYC_PROVIDER_KEY_NAME,
    DevnetSettings,
    devnet_params,
)
from gostaking.storage import MemoryStore
from gostaking.wallet.keyring import Keyring


def test_init_devnet_home_writes_keys_node_key_and_genesis(tmp_path: Path) -> None:
    genesis = init_devnet_home(tmp_path)
    keys = {info.name: info for info in Keyring(tmp_path / "keys").list()}
    assert set(keys) == {"operator", "faucet", *DEVNET_ROLE_KEYS}
    assert not any(info.encrypted for info in keys.values())  # throwaway devnet keys
    assert stat.S_IMODE((tmp_path / "node_key.json").stat().st_mode) == 0o600
    assert stat.S_IMODE(keys["operator"].path.stat().st_mode) == 0o600
    assert decode_genesis((tmp_path / "genesis.json").read_bytes()) == genesis
    assert genesis.chain_id == DEVNET_CHAIN_ID
    assert [n.operator for n in genesis.nodes] == [keys["operator"].address]
    assert {a.denom: (a.decimals, a.weight_ppm, a.price_ugos // 10**6) for a in genesis.assets} == {
        "btc": (8, 100_000, 10_000),
        "eth": (18, 100_000, 200),
        "dcr": (8, 200_000, 30),
        "atom": (6, 200_000, 5),
    }
    assert all(b.address == keys["faucet"].address and b.denom != GOS_DENOM for b in genesis.balances)
    params = genesis.params
    assert params.nodes.epoch_blocks == 20 and params.nodes.min_votes_ugos == 100 * 10**6
    assert params.emission.initial_reward_ugos == 100 * 10**6  # other economics are the defaults
    with pytest.raises(DevnetError, match="already has a genesis"):
        init_devnet_home(tmp_path)


def test_devnet_genesis_holds_every_role_with_keys_in_its_keyring(tmp_path: Path) -> None:
    genesis = init_devnet_home(tmp_path)
    address = {info.name: info.address for info in Keyring(tmp_path / "keys").list()}
    params = genesis.params
    assert params.compliance.council == tuple(address[name] for name in COUNCIL_KEY_NAMES)
    assert params.compliance.council_threshold == 2
    assert params.custody.custodians == tuple(address[name] for name in CUSTODIAN_KEY_NAMES)
    assert params.custody.threshold == 2
    assert [provider.address for provider in genesis.kyc_providers] == [address[KYC_PROVIDER_KEY_NAME]]
    # Governance in minutes at 1 s blocks, with a deposit and a quorum that faucet GOS can meet.
    assert params.gov.voting_period_blocks == 120 and params.gov.ratification_period_blocks == 600
    assert params.gov.min_deposit_ugos == 10 * 10**6 and params.gov.quorum_ppm == 1_000
    # No premine on the devnet either: the roles hold nothing at genesis.
    assert {balance.address for balance in genesis.balances} == {address["faucet"]}
    # The roles and the short governance are the devnet's own: the localnet's shared parameters keep none.
    shared = devnet_params()
    assert shared.compliance.council == () and shared.custody.custodians == ()
    assert shared.gov == GovParams()


def test_open_devnet_starts_a_chain_whose_roles_act(tmp_path: Path) -> None:
    node = open_devnet(DevnetSettings(home=tmp_path), store=MemoryStore())
    try:
        with node.app.read() as state:
            params = state.params.get()
            assert len(params.compliance.council) == 3 and len(params.custody.custodians) == 3
            assert [address for address, _ in get_kyc_providers(state)] == [
                Keyring(tmp_path / "keys").show(KYC_PROVIDER_KEY_NAME).address
            ]
    finally:
        node.close()


def test_one_node_per_home_and_restart_resumes(tmp_path: Path) -> None:
    settings = DevnetSettings(home=tmp_path)
    node = open_devnet(settings)
    try:
        with pytest.raises(DevnetError, match="already running"):
            open_devnet(settings)
        assert node.producer is not None
        for _ in range(3):
            node.producer.produce_block()
        info = node.app.info()
    finally:
        node.close()
    again = open_devnet(settings)
    try:
        assert again.app.info() == info
    finally:
        again.close()
    reset = open_devnet(DevnetSettings(home=tmp_path, reset=True))
    try:
        assert reset.app.info().height == 0 and reset.operator_address == again.operator_address
    finally:
        reset.close()


def test_a_changed_genesis_is_refused(tmp_path: Path) -> None:
    settings = DevnetSettings(home=tmp_path)
    node = open_devnet(settings)
    assert node.producer is not None
    node.producer.produce_block()
    node.close()
    document = json.loads(settings.genesis_path.read_text())
    document["chain_id"] = "tampered"
    settings.genesis_path.write_text(json.dumps(document))
    with pytest.raises(DevnetError, match="differs from the genesis"):
        open_devnet(settings)
    open_devnet(DevnetSettings(home=tmp_path, reset=True)).close()  # --reset starts over with the new file
