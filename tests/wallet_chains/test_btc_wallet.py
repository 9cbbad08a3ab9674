"""The wallet's bitcoin against a real node (btcd in regtest): coins found by the gap-limit scan, payments as
signed PSBTs at the node's fee rate with change to a fresh change address, and bad input refused in one line with
nothing broadcast."""

import json
from pathlib import Path

import pytest
from btcd_harness import Btcd, address_of, p2wpkh_script, requires_btcd
from embit.transaction import Transaction
from wallet_harness import SEED, WALLET, cli, cli_json, make_keyring

from gostaking.bridge.btc import DUST_SAT
from gostaking.wallet.keys import PrivateKey
from gostaking.wallet.onchain import WalletChainError
from gostaking.wallet.onchain.btc import (
    CHANGE,
    GAP_LIMIT,
    RECEIVE,
    BtcWallet,
    FeeRate,
    address_script,
    node_fee_rate,
    to_btc,
)

pytestmark = requires_btcd

BOB = PrivateKey((0xB0B0).to_bytes(32, "big"))
BOB_MAINNET = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"


def vsize(tx: Transaction) -> int:
    """BIP-141 virtual size of a signed segwit transaction."""
    stripped = Transaction.parse(tx.serialize())
    for vin in stripped.vin:
        vin.witness.items = []
    base, total = len(stripped.serialize()), len(tx.serialize())
    return -(-(3 * base + total) // 4)


def mempool(btcd: Btcd) -> list[str]:
    return list(btcd.rpc.call("getrawmempool"))


def rpc_args(btcd: Btcd) -> list[str]:
    return [
        "--btc-rpc",
        btcd.url,
        "--btc-rpc-user",
        btcd.rpc_user,
        "--btc-rpc-password",
        btcd.rpc_password,
        "--btc-network",
        "regtest",
    ]


def test_the_scan_finds_coins_up_to_the_gap_limit_and_sees_mempool_spends(btcd: Btcd) -> None:
    wallet = BtcWallet(SEED, "regtest", btcd.rpc)
    btcd.fund(wallet.script(RECEIVE, 0), 50_000_000)
    btcd.fund(wallet.script(RECEIVE, 7), 20_000_000)  # a gap of 6 unused addresses: still found
    btcd.fund(wallet.script(RECEIVE, 7 + GAP_LIMIT + 1), 4_000_000)  # beyond 20 unused in a row: not the wallet's
    btcd.generate(1)
    btcd.fund(wallet.script(CHANGE, 2), 1_000_000)  # in the mempool
    holdings = wallet.scan()
    assert holdings.confirmed_sat == 70_000_000
    assert holdings.unconfirmed_sat == 1_000_000
    assert holdings.next_index == {RECEIVE: 8, CHANGE: 3}
    # A payment the mempool holds already spends its coins (btcd's gettxout would still show them unspent).
    payment = wallet.pay([(p2wpkh_script(BOB), 60_000_000)], FeeRate(3, "test"), holdings)
    wallet.broadcast(payment)
    after = wallet.scan()
    assert after.confirmed_sat == 0
    assert after.unconfirmed_sat == 1_000_000 + payment.change_sat
    assert payment.change_address == wallet.key(CHANGE, 3).address
    assert after.next_index[CHANGE] == 4


def test_a_payment_pays_the_node_fee_rate_and_returns_change(btcd: Btcd, tmp_path: Path) -> None:
    keyring = make_keyring(tmp_path / "keys")
    wallet = BtcWallet(SEED, "regtest", btcd.rpc)
    # A chain of block rewards only has no fee history: the node has no estimate, the fallback is used.
    assert node_fee_rate(btcd.rpc, fallback=7) == FeeRate(7, "fallback")
    btcd.fund(wallet.script(RECEIVE, 0), 30_000_000)
    btcd.fund(wallet.script(RECEIVE, 1), 30_000_000)
    btcd.generate(1)
    rate = node_fee_rate(btcd.rpc, fallback=1)
    per_kb = btcd.rpc.call("estimatefee", 6)  # btcd learns from the harness's payments (10,000 sat each)
    assert rate.source == "node" and rate.sat_per_vbyte == -(-int(per_kb * 100_000_000) // 1_000) > 1
    to = address_of(p2wpkh_script(BOB))
    sent = cli_json(keyring, "wallet", "send", "btc", to, "0.45btc", "--from", WALLET, "--yes", *rpc_args(btcd))
    tx = Transaction.parse(bytes.fromhex(str(btcd.rpc.call("getrawtransaction", sent["txid"], 0))))
    # Neither coin alone covers 0.45 BTC and the fee: both are spent, the rest comes back as change.
    fee = 60_000_000 - sum(out.value for out in tx.vout)
    assert len(tx.vin) == 2 and sent["fee_btc"] == to_btc(fee)
    assert rate.sat_per_vbyte * vsize(tx) <= fee <= rate.sat_per_vbyte * (vsize(tx) + 2)  # ≤ 2 vB of margin
    outputs = [(out.value, address_of(bytes(out.script_pubkey.data))) for out in tx.vout]
    change = 15_000_000 - fee
    assert outputs == [(45_000_000, to), (change, wallet.key(CHANGE, 0).address)]
    assert sent["change_address"] == wallet.key(CHANGE, 0).address
    btcd.generate(1)
    assert btcd.unspent_at(p2wpkh_script(BOB)) == [(sent["txid"], 0, 45_000_000)]
    # The GOS part fails (nothing listens on port 9) and is named; the BTC part is still shown.
    result = cli(keyring, "wallet", "balance", WALLET, "--api", "http://127.0.0.1:9", *rpc_args(btcd), "--json")
    assert result.exit_code == 1
    shown = json.loads(result.stdout)
    assert shown["btc"]["confirmed"] == f"{to_btc(change)} btc" and shown["btc"]["unconfirmed"] == "0 btc"
    assert "error" in shown["gos"] and result.stderr.startswith("error: GOS (node API http://127.0.0.1:9): ")


@pytest.mark.parametrize(
    ("address", "amount", "message"),
    [
        ("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "0.1btc", "is not a regtest address"),
        ("tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx", "0.1btc", "not a regtest address"),
        ("bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kxxxxxx", "0.1btc", "is not a valid bitcoin address"),
        (None, "0.6btc", "amount over balance: 0.6 BTC plus a fee of about"),
        (None, f"{DUST_SAT}sat", "is dust"),
        (None, "0.000000001btc", "has more decimal places than btc allows (8)"),
        (None, "1gos", "'1gos' is not an amount of btc"),
        (None, "0.1", "write a number and a unit"),
    ],
)
def test_bad_input_is_refused_in_one_line_and_nothing_is_broadcast(
    btcd: Btcd, tmp_path: Path, address: str | None, amount: str, message: str
) -> None:
    keyring = make_keyring(tmp_path / "keys")
    wallet = BtcWallet(SEED, "regtest", btcd.rpc)
    btcd.fund(wallet.script(RECEIVE, 0), 50_000_000)
    btcd.generate(1)
    btcd.fund(wallet.script(RECEIVE, 1), 10_000_000)  # unconfirmed: not spendable yet
    waiting = mempool(btcd)
    to = address or address_of(p2wpkh_script(BOB))
    result = cli(keyring, "wallet", "send", "btc", to, amount, "--from", WALLET, "--yes", *rpc_args(btcd))
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and result.output.startswith("error: ") and message in result.output
    assert mempool(btcd) == waiting


def test_foreign_network_addresses_are_refused_by_the_library_too() -> None:
    with pytest.raises(WalletChainError, match="not a mainnet address"):
        address_script("bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080", "mainnet")
    assert address_script("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "mainnet").hex().startswith("0014")


def test_a_node_on_another_network_is_refused_before_anything_is_read(btcd: Btcd, tmp_path: Path) -> None:
    keyring = make_keyring(tmp_path / "keys")
    node = [*rpc_args(btcd)[:-1], "mainnet"]  # the default network, on a regtest node
    for command in (["balance", WALLET, "--api", "http://127.0.0.1:9"], ["send", "btc", BOB_MAINNET, "1btc", "--yes"]):
        result = cli(keyring, "wallet", *command, *(["--from", WALLET] if "send" in command else []), *node)
        assert result.exit_code == 1
        assert "the Bitcoin node is on 'regtest', not mainnet: give --btc-network to match it" in result.stderr
