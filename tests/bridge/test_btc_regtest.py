"""The Bitcoin custody gateway against a real node (btcd in regtest) and a GoStaking devnet behind its API: deposits
attested by the block watcher, swept by the custodians long before the depositor's timelock, refused when spent or
too close to it, and a deposit the sweep missed taken back by its depositor after T — reported by the gateways and
debited on GoStaking, so that custody stays fully backed (docs/chain.md, "Backing"):

    BTC at the custody script + unspent credited deposit outputs  ==  owed  ==  supply − outside custody − shortfall
"""

from dataclasses import dataclass
from pathlib import Path

import pytest
from btcd_harness import Btcd, address_of, btcd, btcd_pair, p2wpkh_script, requires_btcd, sign_p2wpkh
from embit.psbt import PSBT
from embit.script import Script
from embit.transaction import Transaction, TransactionInput, TransactionOutput
from gateway_harness import ALICE, COUNCIL, CUSTODIANS, GatewayNet

from gostaking.bridge.attester import Attester
from gostaking.bridge.btc import (
    CustodyLock,
    DepositRegistry,
    SpendableOutput,
    change_script,
    create_psbt,
    finalize_depositor_spend,
    p2wsh_script_pubkey,
    psbt_from_base64,
    sign_psbt,
)
from gostaking.bridge.btc_board import BROADCAST, UNSIGNED, signature_file
from gostaking.bridge.btc_rpc import DepositSafety
from gostaking.bridge.btc_scan import BtcBlockWatcher
from gostaking.bridge.btc_sweep import BtcSweeper
from gostaking.bridge.errors import RpcError
from gostaking.bridge.store import StateStore, TrackedDeposit
from gostaking.chain.modules.custody.queries import compute_custody_backing, get_deposit
from gostaking.chain.modules.lock.queries import get_locked_amount
from gostaking.chain.types.custody import CustodyBacking
from gostaking.chain.types.tx import MsgLockAsset, MsgSendCoins, MsgUpdateSanctions, SanctionUpdate
from gostaking.wallet.keys import PrivateKey

__all__ = ["btcd", "btcd_pair"]

pytestmark = requires_btcd

T = 20
"""The locks' timelock: the depositor alone may spend a deposit output once it is T blocks deep."""
CONFIRMATIONS = 3
SWEEP_FEE = 2_000
DEPOSITOR = PrivateKey((0xD0D0).to_bytes(32, "big"))
BOB = PrivateKey((0xB0B0).to_bytes(32, "big"))
KEYS = [c.public_key for c in CUSTODIANS]
CUSTODY_SCRIPT = p2wsh_script_pubkey(change_script(KEYS, 2))


@dataclass
class Custody:
    """Three custodians' gateways (block watcher + sweeper, one state file each) over one btcd and one devnet."""

    btcd: Btcd
    net: GatewayNet
    registry: DepositRegistry
    lock: CustodyLock
    tmp: Path
    start_height: int

    @property
    def address_script(self) -> bytes:
        return self.lock.script_pubkey

    def sweeper(self, custodian: PrivateKey) -> BtcSweeper:
        return BtcSweeper(
            self.btcd.rpc,
            custodian,
            KEYS,
            2,
            self.registry,
            self.tmp / "board",
            network="regtest",
            confirmations=CONFIRMATIONS,
            sweep_fee_sat=SWEEP_FEE,
        )

    def watcher(self) -> BtcBlockWatcher:
        safety = DepositSafety(margin_percent=50, sweep_fee_sat=SWEEP_FEE)
        return BtcBlockWatcher(
            self.btcd.rpc,
            self.registry,
            network="regtest",
            confirmations=CONFIRMATIONS,
            safety=safety,
            start_height=self.start_height,
        )

    def run(self, custodians: list[PrivateKey], *, sweep: bool = True) -> list[str]:
        """One gateway pass of each custodian, then a GoStaking block; returns the passes' notes."""
        notes = []
        for custodian in custodians:
            with StateStore(self.tmp / f"{custodian.address}.json") as store:
                sweepers = [self.sweeper(custodian)] if sweep else []
                sender = self.net.sender(custodian)
                report = Attester(store, sender, [self.watcher()], sweepers=sweepers).run_once()
                notes += report.notes
        self.net.produce()
        return notes

    def backing(self) -> CustodyBacking:
        with self.net.node.app.read() as state:
            return compute_custody_backing(state, "btc")

    def deposit_status(self, outpoint: tuple[str, int]) -> str | None:
        with self.net.node.app.read() as state:
            deposit = get_deposit(state, "bitcoin", f"{outpoint[0]}:{outpoint[1]}")
            return None if deposit is None else deposit.status

    def holdings(self) -> int:
        """What custody holds on Bitcoin: the custody script's UTXOs and the unspent credited deposit outputs."""
        held = sum(sat for _, _, sat in self.btcd.unspent_at(CUSTODY_SCRIPT))
        for txid, vout, sat in self.btcd.unspent_at(self.address_script):
            if self.deposit_status((txid, vout)) == "credited":
                held += sat
        return held


@pytest.fixture
def custody(btcd: Btcd, gateway_net: GatewayNet, tmp_path: Path) -> Custody:
    registry = DepositRegistry(tmp_path / "addresses.json")
    lock = CustodyLock.create(KEYS, 2, DEPOSITOR.public_key, T)
    registry.register(lock, ALICE.address, "regtest")
    return Custody(btcd, gateway_net, registry, lock, tmp_path, btcd.height() + 1)


def test_sweeps_and_a_debited_reclaim_keep_custody_fully_backed(custody: Custody) -> None:
    btcd, net = custody.btcd, custody.net
    outside = custody.backing().supply  # the devnet faucet's genesis btc: never in custody
    # (a) Deposit A: attested once 3 deep, credited less the sweep fee, then swept to the custody script.
    deposit_a = btcd.fund(custody.address_script, 100_000_000)
    btcd.generate(CONFIRMATIONS - 1)
    custody.run(CUSTODIANS[:2])
    assert custody.deposit_status(deposit_a) is None  # 2 deep: not yet
    btcd.generate(1)
    custody.run(CUSTODIANS[:2])
    assert custody.deposit_status(deposit_a) == "credited"
    assert net.balance(ALICE.address, "btc") == 100_000_000 - SWEEP_FEE
    # Until swept, the deposit output also holds the fee its sweep will pay (not credited).
    assert custody.holdings() - SWEEP_FEE == custody.backing().owed == 100_000_000 - SWEEP_FEE
    custody.run(CUSTODIANS[:2])  # both follow the credit; the first builds and signs, the second signs and sends
    assert btcd.rpc.get_tx_out(*deposit_a) is not None  # in the mempool only: btcd still shows it unspent
    btcd.generate(1)
    assert btcd.rpc.get_tx_out(*deposit_a) is None
    assert btcd.unspent_at(CUSTODY_SCRIPT)[0][2] == 100_000_000 - SWEEP_FEE
    assert custody.holdings() == custody.backing().owed
    btcd.generate(CONFIRMATIONS)
    custody.run(CUSTODIANS)  # final: nothing left to sweep (the third custodian catches up and attests late)
    for custodian in CUSTODIANS[:2]:
        with StateStore(custody.tmp / f"{custodian.address}.json") as store:
            assert store.load().deposits == {}

    # (b) Deposit B, credited while the sweepers are down; Alice moves most of her btc away and locks some.
    deposit_b = btcd.fund(custody.address_script, 50_000_000)
    btcd.generate(CONFIRMATIONS)
    custody.run(CUSTODIANS[:2], sweep=False)
    assert custody.deposit_status(deposit_b) == "credited"
    credited_b = 50_000_000 - SWEEP_FEE
    net.submit(ALICE, MsgSendCoins(BOB.address, "btc", 100_000_000 - SWEEP_FEE), MsgLockAsset("btc", 30_000_000))
    net.produce()
    assert net.balance(ALICE.address, "btc") == credited_b - 30_000_000
    # The depositor cannot take it back before T…
    reclaim = create_psbt(
        [SpendableOutput(*deposit_b, 50_000_000, custody.lock.witness_script)],
        [(p2wpkh_script(DEPOSITOR), 50_000_000 - 1_000)],
        sequence=T,
    )
    sign_psbt(reclaim, DEPOSITOR.secret)
    reclaim_tx = finalize_depositor_spend(PSBT.parse(reclaim.serialize()), custody.lock)
    confirmed_at = btcd.height() - CONFIRMATIONS + 1
    btcd.generate(confirmed_at + T - 2 - btcd.height())  # T − 1 deep: the spend could only be in a block T − 1 deep
    with pytest.raises(RpcError):
        btcd.send(reclaim_tx)
    # …and can at T. The gateways see the depositor path's witness, report it, and GoStaking debits Alice.
    btcd.generate(1)
    reclaim_txid = btcd.send(reclaim_tx)
    btcd.generate(CONFIRMATIONS)
    custody.run(CUSTODIANS[:2], sweep=False)
    assert custody.deposit_status(deposit_b) == "reclaimed"
    assert net.balance(ALICE.address, "btc") == 0
    with net.node.app.read() as state:
        assert get_locked_amount(state, ALICE.address, "btc") == 0
    backing = custody.backing()
    assert (backing.reclaimed, backing.debited, backing.shortfall) == (credited_b, credited_b, 0)
    # Fully backed: what custody holds on Bitcoin is exactly what GoStaking owes, which is all the btc that came
    # through custody and is still on GoStaking (Bob's).
    assert custody.holdings() == backing.owed == 100_000_000 - SWEEP_FEE
    assert backing.supply - outside - backing.shortfall == backing.owed
    assert net.balance(BOB.address, "btc") == backing.owed
    assert btcd.unspent_at(custody.address_script) == []
    assert btcd.rpc.get_transaction(reclaim_txid).txid().hex() == reclaim_txid


def test_the_watcher_refuses_outputs_too_close_to_the_timelock_or_already_taken_back(custody: Custody) -> None:
    btcd = custody.btcd
    late = btcd.fund(custody.address_script, 10_000_000)
    btcd.generate(T // 2 + 1)  # 11 deep: 9 blocks before the depositor may reclaim, fewer than T/2
    batch = custody.watcher().scan(None)
    key = f"bitcoin:{late[0]}:{late[1]}"
    assert batch.deposits == [] and "fewer than the 10 required" in batch.refused[key]
    # A lock of one block and no margin: the depositor takes the output back before the gateway ever looks.
    quick = CustodyLock.create(KEYS, 2, DEPOSITOR.public_key, 1)
    custody.registry.register(quick, ALICE.address, "regtest")
    start = btcd.height() + 1
    quick_out = btcd.fund(quick.script_pubkey, 10_000_000)
    btcd.generate(1)
    back = create_psbt(
        [SpendableOutput(*quick_out, 10_000_000, quick.witness_script)],
        [(p2wpkh_script(DEPOSITOR), 9_999_000)],
        sequence=1,
    )
    sign_psbt(back, DEPOSITOR.secret)
    back_txid = btcd.send(finalize_depositor_spend(back, quick))
    btcd.generate(CONFIRMATIONS)
    watcher = BtcBlockWatcher(
        btcd.rpc,
        custody.registry,
        network="regtest",
        confirmations=CONFIRMATIONS,
        safety=DepositSafety(margin_percent=0, sweep_fee_sat=SWEEP_FEE),
        start_height=start,
    )
    batch = watcher.scan(None)
    assert batch.refused == {f"bitcoin:{quick_out[0]}:{quick_out[1]}": "the output is already spent"}
    assert [(r.external_tx_id, r.reclaim_tx_id) for r in batch.reclaims] == [(f"{quick_out[0]}:0", back_txid)]
    # Through a gateway: recorded as skipped, and a reclaim of an output GoStaking never credited is only noted.
    with StateStore(custody.tmp / "gateway.json") as store:
        report = Attester(store, custody.net.sender(CUSTODIANS[0]), [watcher]).run_once()
        assert report.reclaims == 0 and any("never attested" in note for note in report.notes)
        assert f"bitcoin:{quick_out[0]}:{quick_out[1]}" in store.load().skipped


def test_every_input_of_a_deposit_is_screened_and_a_sanctioned_second_one_holds_it(custody: Custody) -> None:
    btcd, net = custody.btcd, custody.net
    payers = [PrivateKey((0x5E00 + i).to_bytes(32, "big")) for i in range(2)]
    coins = [btcd.fund(p2wpkh_script(payer), 30_000_000) for payer in payers]
    btcd.generate(1)
    # One deposit paid from two addresses: the second one's coin is its second input.
    deposit_tx = Transaction(
        version=2,
        vin=[TransactionInput(bytes.fromhex(txid), vout) for txid, vout in coins],
        vout=[TransactionOutput(59_990_000, Script(custody.address_script))],
    )
    for index, payer in enumerate(payers):
        sign_p2wpkh(deposit_tx, index, payer, 30_000_000)
    deposit = (btcd.send(deposit_tx), 0)
    btcd.generate(CONFIRMATIONS)
    senders = [address_of(p2wpkh_script(payer)) for payer in payers]
    (observed,) = custody.watcher().scan(None).deposits
    assert observed.from_address == ",".join(senders) and observed.amount == 59_990_000 - SWEEP_FEE
    # The council lists the second address; both custodians attest, and GoStaking holds the deposit.
    listing = MsgUpdateSanctions([SanctionUpdate("bitcoin", senders[1], True)])
    for member in COUNCIL:
        net.submit(member, listing)
    net.produce()
    custody.run(CUSTODIANS[:2], sweep=False)
    assert custody.deposit_status(deposit) == "held"
    assert net.balance(ALICE.address, "btc") == 0


def test_a_custodian_never_signs_a_sweep_whose_input_amount_was_rewritten(custody: Custody) -> None:
    btcd = custody.btcd
    deposit = btcd.fund(custody.address_script, 100_000_000)
    btcd.generate(CONFIRMATIONS)
    # A rogue custodian builds the sweep first: half the deposit to custody, the witness UTXO claiming the input is
    # worth only that half plus the allowed fee — the other half would go to the miners.
    forged = create_psbt(
        [SpendableOutput(*deposit, 50_000_000 + SWEEP_FEE, custody.lock.witness_script)],
        [(CUSTODY_SCRIPT, 50_000_000)],
    )
    honest = custody.sweeper(CUSTODIANS[0])
    folder = honest.folder(deposit)
    folder.mkdir(parents=True)
    (folder / UNSIGNED).write_text(forged.to_base64())
    outcome = honest.sweep([TrackedDeposit("bitcoin", f"{deposit[0]}:{deposit[1]}")])
    assert outcome.swept == {} and any("my node shows 100000000 sat" in note for note in outcome.notes)
    # It signed the sweep the deposit determines instead: all of it less the fee, to custody. A second honest
    # custodian does the same, and the forged PSBT did not hold the sweep up.
    signed_psbt = psbt_from_base64(signature_file(folder, CUSTODIANS[0].public_key).read_text())
    assert [(o.value, bytes(o.script_pubkey.data)) for o in signed_psbt.tx.vout] == [
        (100_000_000 - SWEEP_FEE, CUSTODY_SCRIPT)
    ]
    outcome = custody.sweeper(CUSTODIANS[1]).sweep([TrackedDeposit("bitcoin", f"{deposit[0]}:{deposit[1]}")])
    (sweep_txid,) = outcome.swept.values()
    btcd.generate(1)
    mined = {tx.txid().hex() for tx in btcd.rpc.get_block_transactions(btcd.rpc.get_block_hash(btcd.height()))}
    assert btcd.rpc.get_tx_out(*deposit) is None and sweep_txid in mined
    # A sweep that would leave custody less than GoStaking credited (custodians disagreeing on the sweep fee) is
    # refused: nothing is signed.
    second = btcd.fund(custody.address_script, 100_000_000)
    btcd.generate(CONFIRMATIONS)
    tracked = TrackedDeposit("bitcoin", f"{second[0]}:{second[1]}", 100_000_000 - SWEEP_FEE + 1)
    outcome = honest.sweep([tracked])
    assert any("GoStaking credited 99998001" in note for note in outcome.notes)
    assert not signature_file(honest.folder(second), CUSTODIANS[0].public_key).exists()


def test_a_sweep_its_node_does_not_know_is_sent_again(
    btcd_pair: tuple[Btcd, Btcd], gateway_net: GatewayNet, tmp_path: Path
) -> None:
    """A sweep the custodians' node does not know — it left that node's mempool (btcd keeps none across a restart),
    or, as here, the custodians moved to another node that never saw it — is sent again from the board's signatures
    at their next pass; it confirms and the deposit needs nothing more. Without that the deposit would wait for a
    sweep nobody sends, until its depositor may take it back."""
    first, second = btcd_pair
    registry = DepositRegistry(tmp_path / "addresses.json")
    lock = CustodyLock.create(KEYS, 2, DEPOSITOR.public_key, T)
    registry.register(lock, ALICE.address, "regtest")
    custody = Custody(first, gateway_net, registry, lock, tmp_path, first.height() + 1)
    deposit = first.fund(custody.address_script, 100_000_000)
    first.generate(CONFIRMATIONS)
    custody.run(CUSTODIANS[:2])
    assert custody.deposit_status(deposit) == "credited"
    custody.run(CUSTODIANS[:2])  # the first builds and signs, the second signs and sends
    sweep_txid = (tmp_path / "board" / f"sweep-{deposit[0]}-{deposit[1]}" / BROADCAST).read_text().strip()
    assert first.rpc.get_raw_transaction(sweep_txid)["txid"] == sweep_txid  # in the first node's mempool
    second.connect(first)
    second.wait_for_tip(first.best_block_hash())  # the chain, not the first node's mempool
    second.disconnect(first)
    custody.btcd = second
    with pytest.raises(RpcError, match="code -5"):
        second.rpc.get_raw_transaction(sweep_txid)
    assert second.rpc.get_tx_out(*deposit) is not None
    custody.run(CUSTODIANS[:1])
    assert second.rpc.get_raw_transaction(sweep_txid)["txid"] == sweep_txid  # sent again
    second.generate(CONFIRMATIONS)
    assert second.rpc.get_tx_out(*deposit) is None
    assert second.unspent_at(CUSTODY_SCRIPT)[0][2] == 100_000_000 - SWEEP_FEE
    custody.run(CUSTODIANS[:2])
    for custodian in CUSTODIANS[:2]:
        with StateStore(tmp_path / f"{custodian.address}.json") as store:
            assert store.load().deposits == {}
    assert custody.holdings() == custody.backing().owed
