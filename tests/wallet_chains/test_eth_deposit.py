"""Lock through the wallet on Ethereum, end to end on real parts: `wallet deposit eth` calls the vault on anvil with
the wallet's gos1 address, two of three custodian gateways attest the Deposited event to the custody devnet (served
over HTTP), `tx lock` locks the credited ETH for hash power; a token deposit approves the vault first."""

from pathlib import Path

from anvil_harness import Anvil
from gateway_harness import CUSTODIANS, GOS
from wallet_harness import SEED, WALLET, ServedNet, cli, cli_json, make_keyring

from gostaking.bridge.attester import Attester
from gostaking.bridge.evm import EvmDepositWatcher, eth_address, gateway_contract
from gostaking.bridge.store import StateStore
from gostaking.chain.types.tx import MsgSendCoins
from gostaking.wallet.hd import eth_key, gos_key

ETHER = 10**18
CONFIRMATIONS = 3


def test_an_eth_deposit_from_the_wallet_is_credited_locked_and_earns_hash_power(
    anvil: Anvil, served_net: ServedNet, tmp_path: Path
) -> None:
    net, keyring = served_net.net, make_keyring(tmp_path / "keys")
    gos_address, eth_account = gos_key(SEED).address, eth_key(SEED).address
    anvil.fund(eth_account, 10 * ETHER)
    vault = anvil.deploy("GoStakingVault", [eth_address(k) for k in CUSTODIANS], 2)
    start = anvil.w3.eth.block_number
    args = ["--from", WALLET, "--vault", vault.address, "--eth-rpc", anvil.url, "--yes"]
    sent = cli_json(keyring, "wallet", "deposit", "eth", "2eth", *args)
    assert sent["recipient"] == gos_address and len(sent["txs"]) == 1
    anvil.mine(CONFIRMATIONS)
    for custodian in CUSTODIANS[:2]:
        watcher = EvmDepositWatcher(anvil.w3, vault.address, {}, confirmations=CONFIRMATIONS, start_block=start)
        with StateStore(tmp_path / f"{custodian.address}.json") as store:
            Attester(store, net.sender(custodian), [watcher]).run_once()
    net.produce()
    assert net.balance(gos_address, "eth") == 2 * ETHER
    funded = net.submit(net.operator, MsgSendCoins(gos_address, "ugos", GOS))
    net.produce()
    assert net.included(funded)["code"] == 0
    locked = cli(keyring, "tx", "lock", "2eth", "--from", WALLET, "--api", served_net.url, "--no-wait")
    assert locked.exit_code == 0, locked.output
    net.produce()
    shown = cli_json(keyring, "wallet", "balance", WALLET, "--api", served_net.url, "--eth-rpc", anvil.url, "--json")
    assert shown["gos"]["locked"][0].startswith("2 eth (")
    assert net.client.get(f"/accounts/{gos_address}").json()["hash_power"]["total"]["micro_hs"] > 0
    assert anvil.w3.eth.get_balance(vault.address) == 2 * ETHER


def test_a_token_deposit_approves_the_vault_first_and_names_the_recipient(anvil: Anvil, tmp_path: Path) -> None:
    keyring = make_keyring(tmp_path / "keys")
    eth_account = eth_key(SEED).address
    anvil.fund(eth_account, ETHER)
    vault = anvil.deploy("GoStakingVault", [eth_address(k) for k in CUSTODIANS], 2)
    token = anvil.deploy("TestToken", "Test USD", "TUSD", False)
    anvil.w3.eth.wait_for_transaction_receipt(
        token.functions.mint(eth_account, 50 * ETHER).transact({"from": anvil.funder})  # type: ignore[typeddict-item]
    )
    args = ["--from", WALLET, "--vault", vault.address, "--token", token.address, "--eth-rpc", anvil.url, "--yes"]
    sent = cli_json(keyring, "wallet", "deposit", "eth", "20tusd", *args)
    assert len(sent["txs"]) == 2  # approve, then depositToken
    refused = cli(keyring, "wallet", "deposit", "eth", "31tusd", *args)
    assert refused.exit_code == 1 and "amount over balance: 31 TUSD, but the wallet holds 30 TUSD" in refused.output
    events = gateway_contract(anvil.w3, "GoStakingVault", vault.address).events.Deposited().get_logs(from_block=0)
    assert [dict(e["args"]) for e in events] == [
        {"token": token.address, "from": eth_account, "amount": 20 * ETHER, "gosRecipient": gos_key(SEED).address}
    ]
    assert token.functions.balanceOf(vault.address).call() == 20 * ETHER
