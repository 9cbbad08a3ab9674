"""Lock through the wallet, end to end on real parts: `wallet deposit btc` pays the user's own custody lock on btcd
(regtest) from the wallet's coins, two of three custodian gateways attest it to the custody devnet (served over
HTTP), `tx lock` locks the credited BTC, and `wallet balance` shows it locked with its hash power."""

from decimal import Decimal
from pathlib import Path

from btcd_harness import Btcd, requires_btcd
from gateway_harness import CUSTODIANS, GOS
from test_btc_wallet import rpc_args, vsize
from wallet_harness import SEED, WALLET, ServedNet, cli, cli_json, make_keyring

from gostaking.bridge.attester import Attester
from gostaking.bridge.btc import CustodyLock, DepositRegistry
from gostaking.bridge.btc_rpc import DepositSafety
from gostaking.bridge.btc_scan import BtcBlockWatcher
from gostaking.bridge.store import StateStore
from gostaking.chain.types.tx import MsgSendCoins
from gostaking.wallet.hd import gos_key
from gostaking.wallet.keys import PrivateKey
from gostaking.wallet.onchain.btc import (
    FALLBACK_FEE_RATE,
    RECEIVE,
    BtcWallet,
    node_fee_rate,
    to_btc,
)

pytestmark = requires_btcd

T = 20
CONFIRMATIONS = 3
SWEEP_FEE = 2_000
KEYS = [c.public_key.hex() for c in CUSTODIANS]


def custody_pass(btcd: Btcd, served: ServedNet, registry: Path, tmp: Path, start_height: int) -> None:
    """One pass of two custodians' gateways (block watcher only), then a GoStaking block."""
    for custodian in CUSTODIANS[:2]:
        watcher = BtcBlockWatcher(
            btcd.rpc,
            DepositRegistry(registry),
            network="regtest",
            confirmations=CONFIRMATIONS,
            safety=DepositSafety(margin_percent=50, sweep_fee_sat=SWEEP_FEE),
            start_height=start_height,
        )
        with StateStore(tmp / f"{custodian.address}.json") as store:
            Attester(store, served.net.sender(custodian), [watcher]).run_once()
    served.net.produce()


def sat(btc: str) -> int:
    """A BTC amount the CLI printed, in satoshi."""
    return int(Decimal(btc) * 100_000_000)


def funded_wallet(btcd: Btcd) -> BtcWallet:
    """The test wallet on regtest with one confirmed coin of 1 BTC at its first receive address."""
    wallet = BtcWallet(SEED, "regtest", btcd.rpc)
    btcd.fund(wallet.script(RECEIVE, 0), 100_000_000)
    btcd.generate(1)
    return wallet


def custody_args(served: ServedNet, btcd: Btcd, *keys: str) -> list[str]:
    """The custody lock's terms (custodian keys, T), the GoStaking API and the Bitcoin node, as options."""
    custodians = [arg for key in keys for arg in ("--custodian-key", key)]
    return [*custodians, "--csv-blocks", str(T), "--api", served.url, *rpc_args(btcd)]


def test_a_btc_deposit_from_the_wallet_is_credited_locked_and_earns_hash_power(
    btcd: Btcd, served_net: ServedNet, tmp_path: Path
) -> None:
    net, keyring, registry = served_net.net, make_keyring(tmp_path / "keys"), tmp_path / "addresses.json"
    gos_address = gos_key(SEED).address
    wallet = funded_wallet(btcd)
    start = btcd.height() + 1
    args = [*custody_args(served_net, btcd, *KEYS), "--registry", str(registry)]
    sent = cli_json(keyring, "wallet", "deposit", "btc", "0.4btc", "--from", WALLET, "--yes", *args)
    # The lock is the custody P2WSH the gateways watch, with the wallet's own key as the depositor's.
    lock = CustodyLock.create([bytes.fromhex(k) for k in KEYS], 2, wallet.depositor_key().public_key, T)
    assert sent["lock_address"] == lock.address("regtest") and sent["recipient"] == gos_address
    assert DepositRegistry(registry).get(lock.address("regtest")).recipient == gos_address  # type: ignore[union-attr]
    btcd.generate(CONFIRMATIONS - 1)
    custody_pass(btcd, served_net, registry, tmp_path, start)
    assert net.balance(gos_address, "btc") == 0  # two blocks deep: not yet
    btcd.generate(1)
    custody_pass(btcd, served_net, registry, tmp_path, start)
    credited = 40_000_000 - SWEEP_FEE
    assert net.balance(gos_address, "btc") == credited
    # Lockable: the wallet's GOS key (paid some GOS for fees) locks it with `tx lock`.
    funded = net.submit(net.operator, MsgSendCoins(gos_address, "ugos", GOS))
    net.produce()
    assert net.included(funded)["code"] == 0
    locked = cli(keyring, "tx", "lock", f"{credited}sat", "--from", WALLET, "--api", served_net.url, "--no-wait")
    assert locked.exit_code == 0, locked.output
    net.produce()
    shown = cli_json(keyring, "wallet", "balance", WALLET, "--api", served_net.url, *rpc_args(btcd), "--json")
    assert shown["gos"]["locked"][0].startswith("0.39998 btc (")
    account = net.client.get(f"/accounts/{gos_address}").json()
    assert account["hash_power"]["total"]["micro_hs"] > 0
    assert shown["gos"]["hash_power"] == f"{account['hash_power']['total']['hs']} H/s"
    left = 100_000_000 - 40_000_000 - sat(sent["fee_btc"])
    assert shown["btc"] == {**shown["btc"], "confirmed": f"{to_btc(left)} btc", "unconfirmed": "0 btc"}


def test_a_deposit_is_refused_before_anything_is_sent_when_the_custody_terms_do_not_match(
    btcd: Btcd, served_net: ServedNet, tmp_path: Path
) -> None:
    keyring, registry = make_keyring(tmp_path / "keys"), tmp_path / "addresses.json"
    wallet = funded_wallet(btcd)
    stranger = PrivateKey((0x5757).to_bytes(32, "big")).public_key.hex()
    cases = [
        (KEYS[:2], "0.4btc", f"missing {CUSTODIANS[2].address}"),
        ([*KEYS[:2], stranger], "0.4btc", "is not a custodian's key on this chain"),
        (KEYS, "2btc", "amount over balance"),
        (KEYS, "2500sat", "too small"),
    ]
    for keys, amount, message in cases:
        args = [*custody_args(served_net, btcd, *keys), "--registry", str(registry)]
        result = cli(keyring, "wallet", "deposit", "btc", amount, "--from", WALLET, "--yes", *args)
        assert result.exit_code == 1 and message in result.output, result.output
        assert result.output.count("\n") == 1
    assert btcd.rpc.call("getrawmempool") == [] and not registry.exists()
    assert wallet.scan().confirmed_sat == 100_000_000


def test_a_deposit_the_custodians_never_swept_is_taken_back_with_the_wallet_key_after_t(
    btcd: Btcd, served_net: ServedNet, tmp_path: Path
) -> None:
    keyring, registry = make_keyring(tmp_path / "keys"), tmp_path / "addresses.json"
    wallet = funded_wallet(btcd)
    args = custody_args(served_net, btcd, *KEYS)
    deposit = ["wallet", "deposit", "btc", "0.4btc", "--from", WALLET, "--yes", "--registry", str(registry)]
    sent = cli_json(keyring, *deposit, *args)
    reclaim = ["wallet", "reclaim", "btc", "--from", WALLET, "--yes", *args]
    btcd.generate(T - 1)  # T − 1 deep: the timelock is not over
    early = cli(keyring, *reclaim)
    assert early.exit_code == 1 and "can be taken back in 1 blocks" in early.output, early.output
    assert btcd.rpc.call("getrawmempool") == []
    btcd.generate(1)
    rate = node_fee_rate(btcd.rpc, FALLBACK_FEE_RATE).sat_per_vbyte
    taken = cli_json(keyring, *reclaim)
    tx = btcd.rpc.get_transaction(taken["txid"])
    assert [(vin.txid.hex(), vin.sequence) for vin in tx.vin] == [(sent["txid"], T)]
    fee = sat(taken["fee_btc"])
    assert rate * vsize(tx) <= fee <= rate * (vsize(tx) + 2)
    assert taken["to"] == wallet.key(RECEIVE, 1).address  # a fresh receive address of the wallet
    btcd.generate(1)
    back = 40_000_000 - sat(taken["fee_btc"])
    assert [c.amount_sat for c in wallet.scan().coins if c.chain == RECEIVE] == [back]
    again = cli(keyring, *reclaim)
    assert again.exit_code == 1 and "nothing is left at" in again.output


def test_without_a_registry_the_output_is_what_the_custodians_register_with_bridge_btc_address(
    btcd: Btcd, served_net: ServedNet, tmp_path: Path
) -> None:
    keyring = make_keyring(tmp_path / "keys")
    funded_wallet(btcd)
    args = custody_args(served_net, btcd, *KEYS)
    sent = cli_json(keyring, "wallet", "deposit", "btc", "0.3btc", "--from", WALLET, "--yes", *args)
    assert sent["registered"] is None
    custodians = [arg for key in KEYS for arg in ("--custodian", key)]
    registered = cli_json(
        keyring, "bridge", "btc-address", *custodians, "--threshold", "2", "--depositor", sent["depositor_pubkey"],
        "--recipient", sent["recipient"], "--registry", str(tmp_path / "custodians.json"), "--csv-blocks", str(T),
        "--network", "regtest",
    )  # fmt: skip
    assert (registered["address"], registered["witness_script"]) == (sent["lock_address"], sent["witness_script"])
    assert registered["descriptor"] == sent["descriptor"]
