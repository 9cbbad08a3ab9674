"""Devnet home layout, genesis contents, one node per home, reset and a changed genesis."""

import json
import stat
from pathlib import Path

import pytest

from gostaking.chain.genesis import decode_genesis
from gostaking.chain.numeric import GOS_DENOM
from gostaking.node.runtime import DevnetError, init_devnet_home, open_devnet
from gostaking.node.settings import DEVNET_CHAIN_ID, DevnetSettings
from gostaking.wallet.keyring import Keyring


def test_init_devnet_home_writes_keys_node_key_and_genesis(tmp_path: Path) -> None:
    genesis = init_devnet_home(tmp_path)
    keys = {info.name: info for info in Keyring(tmp_path / "keys").list()}
    assert set(keys) == {"operator", "faucet"} and not keys["operator"].encrypted
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
