"""`wallet balance`'s GOS part: what the node API says of the wallet's everyday GOS address (free, voted, staked,
unbonding with its release height, pending rewards), shown as the API computes it; and the wallet's ABIs match the
compiled contracts."""

import json
from pathlib import Path

import pytest
from evm_harness import artifact
from gateway_harness import GOS
from wallet_harness import SEED, WALLET, ServedNet, cli, cli_json, make_keyring

from gostaking.chain.types.tx import MsgSendCoins, MsgStakeNode, MsgUnvoteNode, MsgVoteNode
from gostaking.wallet.hd import gos_key
from gostaking.wallet.keyring import Keyring
from gostaking.wallet.keys import PrivateKey
from gostaking.wallet.onchain.eth import ERC20_ABI, VAULT_DEPOSIT_ABI


def test_the_gos_part_shows_votes_stakes_unbondings_and_rewards_from_the_api(
    served_net: ServedNet, tmp_path: Path
) -> None:
    net, keyring = served_net.net, make_keyring(tmp_path / "keys")
    key = gos_key(SEED)
    operator = net.operator.address
    net.submit(net.operator, MsgSendCoins(key.address, "ugos", 3 * GOS))
    net.produce()
    net.submit(key, MsgVoteNode(operator, GOS), MsgStakeNode(operator, GOS // 2), MsgUnvoteNode(operator, GOS // 4))
    net.produce(3)
    shown = cli_json(keyring, "wallet", "balance", WALLET, "--api", served_net.url, "--json")["gos"]
    account = net.client.get(f"/accounts/{key.address}").json()
    assert shown["address"] == key.address
    assert shown["free"] == [f"{account['gos']['gos']} gos"]
    assert shown["voted"] == ["0.75 gos on devnet-node"] and shown["staked"] == ["0.5 gos on devnet-node"]
    assert (shown["voted_total"], shown["staked_total"]) == ("0.75 gos", "0.5 gos")  # the chain's totals
    assert shown["positions_not_listed"] == shown["unbondings_not_listed"] == 0
    (unbonding,) = account["unbondings"]
    assert shown["unbonding"] == [
        f"0.25 gos from {operator} at height {unbonding['completion_height']} "
        f"(~{unbonding['estimated_completion_time']})"
    ]
    assert shown["pending_rewards"] == f"{account['pending_rewards']['gos']} gos" != "0 gos"
    assert shown["hash_power"] == f"{account['hash_power']['total']['hs']} H/s"


@pytest.mark.parametrize(("abi", "contract"), [(VAULT_DEPOSIT_ABI, "GoStakingVault"), (ERC20_ABI, "TestToken")])
def test_the_wallet_abis_match_the_compiled_contracts(abi: list[dict[str, object]], contract: str) -> None:
    compiled = {(e["type"], e.get("name")): e for e in artifact(contract)["abi"]}
    for entry in abi:
        found = compiled[(entry["type"], entry["name"])]
        for part in ("inputs", "outputs"):
            assert [i["type"] for i in found[part]] == [i["type"] for i in entry[part]]  # type: ignore[attr-defined]
        assert found["stateMutability"] == entry["stateMutability"]


def test_the_table_names_each_chain_part(served_net: ServedNet, tmp_path: Path) -> None:
    keyring = make_keyring(tmp_path / "keys")
    result = cli(keyring, "wallet", "balance", WALLET, "--api", served_net.url)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["CHAIN", "WHAT", "AMOUNT"]
    assert lines[1].split() == ["GOS", "address", gos_key(SEED).address]
    assert lines[2].split() == ["GOS", "free", "0", "gos"]


@pytest.mark.parametrize(
    ("option", "named"), [("--btc-rpc", "error: BTC (node http://127.0.0.1:9): "), ("--eth-rpc", "error: ETH (node ")]
)
def test_an_unreachable_chain_node_is_named_and_the_gos_part_still_shown(
    served_net: ServedNet, tmp_path: Path, option: str, named: str
) -> None:
    keyring = make_keyring(tmp_path / "keys")
    result = cli(keyring, "wallet", "balance", WALLET, "--api", served_net.url, option, "http://127.0.0.1:9", "--json")
    assert result.exit_code == 1
    assert result.stderr.startswith(named) and result.stderr.count("\n") == 1
    shown = json.loads(result.stdout)
    assert shown["gos"]["address"] == gos_key(SEED).address and list(shown)[1] in ("btc", "eth")
    assert list(shown[list(shown)[1]]) == ["error"]


def test_a_single_key_has_no_other_chains_and_is_refused_in_one_line(tmp_path: Path) -> None:
    keyring = make_keyring(tmp_path / "keys")
    Keyring(keyring).add("plain", PrivateKey.generate(), None)
    result = cli(keyring, "wallet", "balance", "plain", "--api", "http://127.0.0.1:9")
    assert result.exit_code == 1 and result.output.startswith("error: ") and result.output.count("\n") == 1
    assert "plain" in result.output
