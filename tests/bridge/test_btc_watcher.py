"""The Bitcoin RPC client and the Bitcoin Core wallet-based payouts, against a fake bitcoind JSON-RPC server on
127.0.0.1 (the deposit watcher and the sweeps run against btcd: test_btc_regtest.py)."""

import base64
import json
import re
import threading
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from embit import ec
from embit.script import Script
from embit.transaction import Transaction
from gateway_harness import ALICE, CUSTODIANS

from gostaking.bridge.attester import require_on_best_chain
from gostaking.bridge.btc import CustodyLock, DepositRegistry, SpendableOutput, estimate_payout_vsize
from gostaking.bridge.btc_payout import BtcPayer
from gostaking.bridge.btc_rpc import BitcoinRpc, btc_to_sat
from gostaking.bridge.errors import DeepReorgError, RpcError, ScriptError
from gostaking.bridge.store import TrackedWithdrawal
from gostaking.wallet.keys import PrivateKey

USER, PASSWORD = "gateway", "s3cret"


class FakeBitcoind:
    """Answers the RPCs the payers use from in-memory transactions and wallet outputs. Amounts are sent as JSON
    numbers with 8 decimals, as bitcoind does."""

    def __init__(self) -> None:
        self.height = 10
        self.raw: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, list[Any]]] = []
        self.unspent: list[dict[str, Any]] = []
        self.broadcast: list[Transaction] = []
        self.fee_rate: str | None = None
        """estimatesmartfee's answer in BTC per kvB (None: no estimate, as on a fresh node)."""

    def handle(self, method: str, params: list[Any]) -> Any:
        self.calls.append((method, params))
        if method == "getblockcount":
            return self.height
        if method == "getrawtransaction":
            if params[0] not in self.raw:
                raise KeyError("No such mempool or blockchain transaction. Use -txindex")
            return self.raw[params[0]]
        if method == "listunspent":
            return [u for u in self.unspent if u["address"] in params[2]]
        if method == "estimatesmartfee":
            if self.fee_rate is None:
                return {"errors": ["Insufficient data or no feerate found"], "blocks": 0}
            return {"feerate": self.fee_rate, "blocks": params[0]}
        if method == "sendrawtransaction":
            tx = Transaction.parse(bytes.fromhex(params[0]))
            txid = tx.txid().hex()
            self.broadcast.append(tx)
            self.raw[txid] = {"txid": txid, "confirmations": 0}
            return txid
        raise KeyError(f"Method not found: {method}")


@pytest.fixture
def bitcoind() -> Iterator[tuple[FakeBitcoind, str]]:
    fake = FakeBitcoind()
    expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            if self.headers.get("Authorization") != expected:
                self.send_response(401)
                self.end_headers()
                return
            request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            try:
                answer: dict[str, Any] = {"result": fake.handle(request["method"], request["params"]), "error": None}
            except KeyError as error:
                answer = {"result": None, "error": {"code": -5, "message": error.args[0]}}
            answer["id"] = request["id"]
            # Amounts as JSON numbers with 8 decimals, exactly like bitcoind (never via a Python float).
            body = re.sub(r'"(amount|feerate)": "(-?[0-9.]+)"', r'"\1": \2', json.dumps(answer))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def custody_registry(tmp_path: Path) -> tuple[DepositRegistry, str]:
    registry = DepositRegistry(tmp_path / "addresses.json")
    depositor = PrivateKey((0x4000).to_bytes(32, "big"))
    lock = CustodyLock.create([c.public_key for c in CUSTODIANS], 2, depositor.public_key, 144)
    return registry, registry.register(lock, ALICE.address, "regtest").address


def custodian_payers(url: str, registry: DepositRegistry, board: Path, **options: Any) -> list[BtcPayer]:
    """One BtcPayer per custodian, in the sorted key order that decides coordinators (payers[N mod 3] builds
    withdrawal N); 2 of 3, regtest, a 1,000 sat fallback fee unless `options` say otherwise."""
    order = sorted(CUSTODIANS, key=lambda k: k.public_key)
    keys = [k.public_key for k in CUSTODIANS]
    settings: dict[str, Any] = {"network": "regtest", "fee_sat": 1_000, **options}
    return [BtcPayer(BitcoinRpc(url, USER, PASSWORD), c, keys, 2, registry, board, **settings) for c in order]


def test_rpc_client_parses_decimals_and_reports_errors(bitcoind: tuple[FakeBitcoind, str]) -> None:
    fake, url = bitcoind
    assert BitcoinRpc(url, USER, PASSWORD).get_block_count() == 10
    with pytest.raises(RpcError, match="credentials"):
        BitcoinRpc(url, USER, "wrong").get_block_count()
    with pytest.raises(RpcError, match="Method not found"):
        BitcoinRpc(url, USER, PASSWORD).call("nosuchmethod")
    fake.fee_rate = "0.1"
    rate = BitcoinRpc(url, USER, PASSWORD).call("estimatesmartfee", 2)["feerate"]
    assert rate == Decimal("0.1") and isinstance(rate, Decimal)
    with pytest.raises(RpcError):
        BitcoinRpc("http://127.0.0.1:9", USER, PASSWORD, timeout_s=2).get_block_count()


def test_a_node_without_a_transaction_index_is_named_as_the_cause(bitcoind: tuple[FakeBitcoind, str]) -> None:
    # A deposit's senders are read from its inputs' previous transactions, which only a node with -txindex has.
    with pytest.raises(RpcError, match=r"needs the node's transaction index \(-txindex / --txindex\)"):
        BitcoinRpc(url=bitcoind[1], user=USER, password=PASSWORD).get_transaction("d4" * 32)


def test_btc_to_sat_is_exact() -> None:
    assert btc_to_sat(Decimal("0.1")) == 10_000_000
    assert btc_to_sat(Decimal("20999999.97690000")) == 2_099_999_997_690_000
    with pytest.raises(RpcError):
        btc_to_sat(Decimal("0.000000001"))


def test_custodians_pay_a_withdrawal_with_a_psbt_passed_around(
    bitcoind: tuple[FakeBitcoind, str], tmp_path: Path
) -> None:
    fake, url = bitcoind
    registry, address = custody_registry(tmp_path)
    fake.unspent = [
        {"txid": "11" * 32, "vout": 0, "address": address, "amount": "0.30000000", "confirmations": 10},
        {"txid": "22" * 32, "vout": 1, "address": address, "amount": "0.05000000", "confirmations": 10},
        {"txid": "33" * 32, "vout": 0, "address": "bcrt1qsomeoneelse", "amount": "9", "confirmations": 10},
    ]
    destination = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"
    payers = custodian_payers(url, registry, tmp_path / "board", confirmations=2)
    withdrawal = TrackedWithdrawal(4, ALICE.address, "btc", 20_000_000, destination, "pending")
    coordinator = payers[4 % 3]
    others = [p for p in payers if p is not coordinator]
    # bitcoind has no fee estimate (fake.fee_rate is None): the payout deducts the fallback fee_sat.
    assert others[0].pay(withdrawal) is None  # nothing to sign before the coordinator built the PSBT
    assert coordinator.pay(withdrawal) is None  # builds unsigned.psbt
    assert coordinator.pay(withdrawal) is None  # signs (1 of 2): nothing broadcast
    assert fake.broadcast == []
    assert others[0].pay(withdrawal) is None  # second signature: with 2 of 2 it combines, finalizes, broadcasts
    (tx,) = fake.broadcast
    assert coordinator.pay(withdrawal) is None  # already broadcast: waits for confirmations
    assert len(fake.broadcast) == 1
    assert [(bytes(o.script_pubkey.data), o.value) for o in tx.vout] == [
        (Script.from_address(destination).data, 19_999_000),
        (coordinator.change_script_pubkey, 10_000_000),
    ]
    assert [vin.txid.hex() for vin in tx.vin] == ["11" * 32]  # largest first, enough alone
    witness = tx.vin[0].witness.items
    script = registry.get(address).witness_script  # type: ignore[union-attr]
    digest = tx.sighash_segwit(0, Script(bytes.fromhex(script)), 30_000_000)
    signers = {bytes(ec.PublicKey.parse(k.public_key).sec()) for k in CUSTODIANS}
    valid = [
        pub
        for pub in signers
        for sig in witness[1:3]
        if ec.PublicKey.parse(pub).verify(ec.Signature.parse(sig[:-1]), digest)
    ]
    assert witness[0] == b"" and len(valid) == 2
    assert all(p.pay(withdrawal) is None for p in payers)  # broadcast, 0 confirmations
    fake.raw[tx.txid().hex()]["confirmations"] = 2
    assert {p.pay(withdrawal) for p in payers} == {tx.txid().hex()}


def test_a_payout_the_node_dropped_from_its_mempool_is_sent_again(
    bitcoind: tuple[FakeBitcoind, str], tmp_path: Path
) -> None:
    """A broadcast payout the custodian's node no longer knows (a restart without its mempool, an eviction) is sent
    again from the board's signatures, by whichever custodian finds it missing, and then confirms as usual."""
    fake, url = bitcoind
    registry, address = custody_registry(tmp_path)
    fake.unspent = [{"txid": "11" * 32, "vout": 0, "address": address, "amount": "0.30000000", "confirmations": 10}]
    payers = custodian_payers(url, registry, tmp_path / "board", confirmations=2)
    withdrawal = TrackedWithdrawal(
        3, ALICE.address, "btc", 20_000_000, "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080", "pending"
    )
    coordinator, other = payers[3 % 3], payers[(3 + 1) % 3]
    coordinator.pay(withdrawal)  # builds
    coordinator.pay(withdrawal)  # signs
    other.pay(withdrawal)  # signs, combines, broadcasts
    (tx,) = fake.broadcast
    txid = tx.txid().hex()
    assert other.pay(withdrawal) is None and len(fake.broadcast) == 1  # known to the node: waits, sends nothing
    del fake.raw[txid]  # the node lost it
    assert payers[2].pay(withdrawal) is None  # a custodian that never signed finds it missing: sends it again
    assert [sent.txid().hex() for sent in fake.broadcast] == [txid, txid]
    assert fake.broadcast[1].serialize() == tx.serialize()  # the very same signed transaction
    fake.raw[txid]["confirmations"] = 2
    assert {p.pay(withdrawal) for p in payers} == {txid} and len(fake.broadcast) == 2


def test_a_custodian_refuses_a_psbt_that_does_not_match_the_withdrawal(
    bitcoind: tuple[FakeBitcoind, str], tmp_path: Path
) -> None:
    fake, url = bitcoind
    registry, address = custody_registry(tmp_path)
    fake.unspent = [{"txid": "11" * 32, "vout": 0, "address": address, "amount": "0.3", "confirmations": 10}]
    payers = custodian_payers(url, registry, tmp_path / "board")
    honest = TrackedWithdrawal(
        0, ALICE.address, "btc", 1_000_000, "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080", "pending"
    )
    coordinator = payers[0]
    coordinator.pay(honest)
    tampered = TrackedWithdrawal(0, ALICE.address, "btc", 2_000_000, honest.to, "pending")
    other = next(p for p in payers if p is not coordinator)
    with pytest.raises(ScriptError, match="amount"):
        other.pay(tampered)  # what the chain says differs from what the coordinator built


def test_the_next_custodian_builds_the_psbt_when_the_coordinator_is_silent(
    bitcoind: tuple[FakeBitcoind, str], tmp_path: Path
) -> None:
    fake, url = bitcoind
    registry, address = custody_registry(tmp_path)
    fake.unspent = [{"txid": "11" * 32, "vout": 0, "address": address, "amount": "0.3", "confirmations": 10}]
    now = [1_000.0]
    payers = custodian_payers(url, registry, tmp_path / "board", takeover_after_s=60, clock=lambda: now[0])
    withdrawal = TrackedWithdrawal(
        3, ALICE.address, "btc", 1_000_000, "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080", "pending"
    )
    # Withdrawal 3 of 3 custodians: payers[0] coordinates (it is down), payers[1] is next in line, then payers[2].
    unsigned = tmp_path / "board" / "withdrawal-3" / "unsigned.psbt"
    assert payers[2].pay(withdrawal) is None and payers[1].pay(withdrawal) is None
    assert not unsigned.exists()  # first seen at 1000 s: nobody but the coordinator may build yet
    now[0] = 1_059.0
    assert payers[1].pay(withdrawal) is None and not unsigned.exists()
    now[0] = 1_060.0
    assert payers[2].pay(withdrawal) is None and not unsigned.exists()  # its turn comes at 1120 s
    assert payers[1].pay(withdrawal) is None and unsigned.exists()  # takes over
    built = unsigned.read_bytes()
    now[0] = 2_000.0
    assert payers[2].pay(withdrawal) is None and unsigned.read_bytes() == built  # never a second PSBT
    assert payers[1].pay(withdrawal) is None  # 2 signatures: broadcast
    (tx,) = fake.broadcast
    assert (bytes(tx.vout[0].script_pubkey.data), tx.vout[0].value) == (
        Script.from_address(withdrawal.to).data,
        999_000,
    )


def _vsize(tx: Transaction) -> int:
    witness = 2 + sum(len(vin.witness.serialize()) for vin in tx.vin)  # marker, flag and witnesses
    return -(-(4 * (len(tx.serialize()) - witness) + witness) // 4)


def test_the_payout_fee_is_bitcoinds_estimate_times_the_size_and_capped(
    bitcoind: tuple[FakeBitcoind, str], tmp_path: Path
) -> None:
    fake, url = bitcoind
    registry, address = custody_registry(tmp_path)
    fake.unspent = [
        {"txid": "11" * 32, "vout": 0, "address": address, "amount": "0.00300000", "confirmations": 10},
        {"txid": "22" * 32, "vout": 1, "address": address, "amount": "0.00200000", "confirmations": 10},
    ]
    payers = custodian_payers(url, registry, tmp_path / "board", max_fee_sat=20_000)
    destination = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"
    fake.fee_rate = "0.00012000"  # 12 sat/vB
    withdrawal = TrackedWithdrawal(0, ALICE.address, "btc", 400_000, destination, "pending")  # needs both inputs
    assert payers[0].pay(withdrawal) is None  # builds
    assert payers[0].pay(withdrawal) is None and payers[1].pay(withdrawal) is None  # signs, signs and broadcasts
    (tx,) = fake.broadcast
    inputs = [SpendableOutput("11" * 32, 0, 300_000, bytes.fromhex(registry.get(address).witness_script))] * 2  # type: ignore[union-attr]
    estimated = estimate_payout_vsize(inputs, [bytes(o.script_pubkey.data) for o in tx.vout], 2)
    assert [o.value for o in tx.vout] == [400_000 - 12 * estimated, 100_000]
    assert 0 <= estimated - _vsize(tx) <= 2 * 2  # an upper bound: DER signatures are 71-73 bytes
    # A fee spike beyond max_fee_sat: the payout deducts the cap, which every custodian accepts.
    fake.fee_rate = "0.01"
    fake.unspent = [{"txid": "33" * 32, "vout": 0, "address": address, "amount": "0.01", "confirmations": 10}]
    capped = TrackedWithdrawal(3, ALICE.address, "btc", 500_000, destination, "pending")
    assert payers[0].pay(capped) is None  # payers[0] coordinates withdrawal 3 too (3 mod 3)
    assert payers[1].pay(capped) is None and payers[2].pay(capped) is None  # signs; signs and broadcasts
    assert [o.value for o in fake.broadcast[-1].vout] == [500_000 - 20_000, 500_000]


def test_a_cursor_block_beyond_the_end_of_a_shorter_chain_stops_the_watcher_too() -> None:
    chain = {0: "aa" * 32, 1: "bb" * 32}
    require_on_best_chain((1, "bb" * 32), 1, chain.__getitem__, "bitcoin", 3)  # still on the chain: goes on
    require_on_best_chain((-1, ""), 1, chain.__getitem__, "bitcoin", 3)  # nothing read yet: nothing to check
    with pytest.raises(DeepReorgError) as stopped:
        require_on_best_chain((5, "ff" * 32), 1, chain.__getitem__, "bitcoin", 3)
    assert stopped.value.current_hash is None
    assert str(stopped.value).startswith(f"bitcoin block 5 {'ff' * 32}, the last one this watcher read, left the")
    assert "(block 5 is gone (the chain ends at 1), tip 1)" in str(stopped.value)
