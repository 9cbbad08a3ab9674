"""The Bitcoin gateway under real reorganizations: two btcd nodes share a chain, are disconnected, mine apart, and
are connected again, so that the longer branch replaces the other on both (btcd has no `invalidateblock`; this is
how a reorganization happens on the network anyway). The gateways read node A.

- A reorganization shallower than the confirmation depth: a deposit reorged out before it was final is never
  attested (here its input is spent by a conflicting payment on the winning branch), and one the reorganization
  only moved (back to the mempool, then into another block) is attested once, from its new block.
- A reorganization deeper than the confirmation depth removes a deposit that was already attested: the watcher
  stops with DeepReorgError naming the height and both hashes, pass after pass, and attests nothing more until an
  operator moves its cursor.
- A sweep mined once and reorged out before it is final goes back to the mempool, is mined again, and completes
  once (the gateways keep tracking the deposit until then).
- Fee estimation: btcd has no `estimatesmartfee`; payouts take their fee rate from its `estimatefee`.
"""

from pathlib import Path

import pytest
from btcd_harness import MINER, Btcd, address_of, btcd, btcd_pair, p2wpkh_script, requires_btcd
from gateway_harness import ALICE, CUSTODIANS, GatewayNet
from test_btc_regtest import CONFIRMATIONS, CUSTODY_SCRIPT, KEYS, SWEEP_FEE, Custody, T

from gostaking.bridge import btc_board
from gostaking.bridge.btc import CustodyLock, DepositRegistry, SpendableOutput, estimate_payout_vsize, psbt_from_base64
from gostaking.bridge.btc_outputs import NodeOutputs
from gostaking.bridge.btc_payout import BtcPayer
from gostaking.bridge.errors import DeepReorgError
from gostaking.bridge.store import StateStore, TrackedWithdrawal
from gostaking.wallet.keys import PrivateKey

__all__ = ["btcd", "btcd_pair"]

pytestmark = requires_btcd

DEPOSITOR = PrivateKey((0xD0D1).to_bytes(32, "big"))
LOCK = CustodyLock.create(KEYS, 2, DEPOSITOR.public_key, T)
GATEWAYS = CUSTODIANS[:2]
"""The custodians whose gateways run: two of three, the threshold."""
WATCHER_CURSOR = "bitcoin:blocks"


@pytest.fixture
def gateways(btcd_pair: tuple[Btcd, Btcd], gateway_net: GatewayNet, tmp_path: Path) -> Custody:
    """The custodians' gateways (block watcher and sweeper, one state file each) reading node A."""
    registry = DepositRegistry(tmp_path / "addresses.json")
    registry.register(LOCK, ALICE.address, "regtest")
    node_a, _ = btcd_pair
    return Custody(node_a, gateway_net, registry, LOCK, tmp_path, node_a.height() + 1)


def state_path(gateways: Custody, custodian: PrivateKey) -> Path:
    return gateways.tmp / f"{custodian.address}.json"


def saved_cursor(gateways: Custody, custodian: PrivateKey) -> str:
    with StateStore(state_path(gateways, custodian)) as store:
        return store.load().cursors[WATCHER_CURSOR]


def tracked(gateways: Custody, custodian: PrivateKey) -> list[tuple[str, int]]:
    """The credited deposits a custodian's gateway still has to sweep."""
    with StateStore(state_path(gateways, custodian)) as store:
        outpoints = [d.external_tx_id.partition(":") for d in store.load().deposits.values()]
    return [(txid, int(vout)) for txid, _, vout in outpoints]


def credited_deposit(gateways: Custody, *, sweep: bool) -> tuple[str, int]:
    """A deposit of 0.4 BTC on node A from the first coinbase, final and credited on GoStaking."""
    deposit = gateways.btcd.fund(LOCK.script_pubkey, 40_000_000, coinbase_height=1)
    gateways.btcd.generate(CONFIRMATIONS)
    gateways.run(GATEWAYS, sweep=sweep)
    assert gateways.deposit_status(deposit) == "credited"
    return deposit


def reorganize(winner: Btcd, loser: Btcd) -> None:
    """Connect the two nodes (the one that does not listen dials the other) and wait until the loser follows the
    winner's longer branch."""
    dialer, listener = (loser, winner) if not loser.p2p_address else (winner, loser)
    assert winner.height() > loser.height()
    dialer.connect(listener)
    loser.wait_for_tip(winner.best_block_hash())


def block_of(node: Btcd, txid: str) -> str | None:
    """The hash of the best-chain block holding `txid` (None while it is in the mempool only)."""
    found = node.rpc.get_raw_transaction(txid).get("blockhash")
    return str(found) if found else None


def test_a_shallow_reorg_drops_one_deposit_unattested_and_moves_another_attested_once(
    btcd_pair: tuple[Btcd, Btcd], gateways: Custody
) -> None:
    node_a, node_b = btcd_pair
    # On A: two deposits, mined together and CONFIRMATIONS − 1 deep — not final, so not attested yet.
    vanishing = node_a.fund(LOCK.script_pubkey, 40_000_000, coinbase_height=1)
    moving = node_a.fund(LOCK.script_pubkey, 60_000_000, coinbase_height=2)
    node_a.generate(CONFIRMATIONS - 1)
    first_block = block_of(node_a, moving[0])
    assert first_block is not None and block_of(node_a, vanishing[0]) == first_block
    gateways.run(GATEWAYS, sweep=False)
    assert gateways.deposit_status(vanishing) is None and gateways.deposit_status(moving) is None
    # On B, which never saw them: the first deposit's coin paid back to the miner instead, in a longer branch.
    conflict = node_b.fund(p2wpkh_script(MINER), 40_000_000, coinbase_height=1)
    node_b.generate(CONFIRMATIONS)
    reorganize(node_b, node_a)
    # The first deposit is gone for good: its input is spent on the best chain. (btcd 0.24 still lists it in its
    # mempool after the reorganization, where it stays: no block can include it.)
    assert block_of(node_a, conflict[0]) is not None and block_of(node_a, vanishing[0]) is None
    assert block_of(node_a, moving[0]) is None  # back in A's mempool
    gateways.run(GATEWAYS, sweep=False)
    assert gateways.deposit_status(vanishing) is None and gateways.deposit_status(moving) is None
    # The moved deposit is mined again, in a block of the new branch, and attested once it is final there.
    node_a.generate(1)
    second_block = block_of(node_a, moving[0])
    assert second_block is not None and second_block != first_block
    node_a.generate(CONFIRMATIONS - 2)
    gateways.run(GATEWAYS, sweep=False)
    assert gateways.deposit_status(moving) is None  # CONFIRMATIONS − 1 deep in its new block
    node_a.generate(1)
    gateways.run(GATEWAYS, sweep=False)
    node_a.generate(CONFIRMATIONS)
    gateways.run(GATEWAYS, sweep=False)
    assert gateways.deposit_status(moving) == "credited"
    assert gateways.net.balance(ALICE.address, "btc") == 60_000_000 - SWEEP_FEE  # once
    assert gateways.deposit_status(vanishing) is None and block_of(node_a, vanishing[0]) is None
    for custodian in GATEWAYS:
        with StateStore(state_path(gateways, custodian)) as store:
            state = store.load()
            assert f"bitcoin:{vanishing[0]}:{vanishing[1]}" not in state.done
            assert state.skipped == {}


def test_a_reorg_deeper_than_the_confirmations_stops_the_watcher_until_an_operator_moves_its_cursor(
    btcd_pair: tuple[Btcd, Btcd], gateways: Custody
) -> None:
    node_a, node_b = btcd_pair
    deposit = credited_deposit(gateways, sweep=False)
    node_a.generate(1)
    gateways.run(GATEWAYS, sweep=False)
    height_text, _, read_hash = saved_cursor(gateways, CUSTODIANS[0]).partition(":")
    read_height = int(height_text)
    deposit_height = node_a.height() - CONFIRMATIONS
    assert read_height == deposit_height + 1 and read_hash == node_a.rpc.get_block_hash(read_height)
    assert block_of(node_a, deposit[0]) == node_a.rpc.get_block_hash(deposit_height)
    # B spends the deposit's coin elsewhere and mines a longer branch: once A follows, its CONFIRMATIONS + 1 blocks
    # since the split are replaced, and the attested deposit is gone from Bitcoin while GoStaking shows it credited.
    conflict = node_b.fund(p2wpkh_script(MINER), 40_000_000, coinbase_height=1)
    node_b.generate(CONFIRMATIONS + 2)
    reorganize(node_b, node_a)
    assert block_of(node_a, conflict[0]) is not None and block_of(node_a, deposit[0]) is None
    current_hash = node_a.rpc.get_block_hash(read_height)
    for _ in range(2):  # it does not fix itself: every pass stops at the same place
        with pytest.raises(DeepReorgError) as stopped:
            gateways.run(GATEWAYS, sweep=False)
        assert (stopped.value.height, stopped.value.read_hash) == (read_height, read_hash)
        assert stopped.value.current_hash == current_hash
        message = str(stopped.value)
        assert f"bitcoin block {read_height} {read_hash}" in message and f"is now {current_hash}" in message
        assert f"as deep as the {CONFIRMATIONS} confirmations" in message and "\n" not in message
        assert saved_cursor(gateways, CUSTODIANS[0]) == f"{read_height}:{read_hash}"
    # A deposit paid on the new branch is not attested while the watcher is stopped…
    late = node_a.fund(LOCK.script_pubkey, 30_000_000)
    node_a.generate(CONFIRMATIONS)
    with pytest.raises(DeepReorgError):
        gateways.run(GATEWAYS, sweep=False)
    assert gateways.deposit_status(late) is None
    # …and is once the operator, having dealt with the lost deposit, points the cursors at the new branch.
    for custodian in GATEWAYS:
        with StateStore(state_path(gateways, custodian)) as store:
            state = store.load()
            state.cursors[WATCHER_CURSOR] = f"{read_height}:{current_hash}"
            store.save(state)
    gateways.run(GATEWAYS, sweep=False)
    assert gateways.deposit_status(late) == "credited"


def test_a_sweep_reorged_out_before_it_is_final_is_mined_again_and_completes_once(
    btcd_pair: tuple[Btcd, Btcd], gateways: Custody
) -> None:
    node_a, node_b = btcd_pair
    deposit = credited_deposit(gateways, sweep=True)
    # B catches up with the deposit final, then goes its own way again.
    node_b.connect(node_a)
    node_b.wait_for_tip(node_a.best_block_hash())
    node_b.disconnect(node_a)
    gateways.run(GATEWAYS)  # the first custodian builds and signs the sweep, the second signs and broadcasts
    (sweep_txid,) = {path.read_text() for path in (gateways.tmp / "board").glob(f"sweep-*/{btc_board.BROADCAST}")}
    node_a.generate(1)
    first_block = block_of(node_a, sweep_txid)
    gateways.run(GATEWAYS)  # one confirmation: not final, the deposit is still tracked
    assert first_block is not None and all(tracked(gateways, c) == [deposit] for c in GATEWAYS)
    node_b.generate(2)
    reorganize(node_b, node_a)
    assert block_of(node_a, sweep_txid) is None  # back in A's mempool
    gateways.run(GATEWAYS)
    assert all(tracked(gateways, c) == [deposit] for c in GATEWAYS)
    node_a.generate(CONFIRMATIONS)
    second_block = block_of(node_a, sweep_txid)
    assert second_block is not None and second_block != first_block
    gateways.run(GATEWAYS)
    assert all(tracked(gateways, c) == [] for c in GATEWAYS)
    assert node_a.unspent_at(CUSTODY_SCRIPT) == [(sweep_txid, 0, 40_000_000 - SWEEP_FEE)]
    assert node_a.unspent_at(LOCK.script_pubkey) == []
    assert gateways.deposit_status(deposit) == "credited"


def test_payouts_on_btcd_pay_the_fee_rate_of_its_estimatefee(btcd: Btcd, tmp_path: Path) -> None:
    registry = DepositRegistry(tmp_path / "addresses.json")
    registry.register(LOCK, ALICE.address, "regtest")
    fallback_fee = 1_234
    payer = BtcPayer(
        btcd.rpc,
        CUSTODIANS[0],
        KEYS,
        2,
        registry,
        tmp_path / "board",
        network="regtest",
        confirmations=CONFIRMATIONS,
        fee_sat=fallback_fee,
        outputs=NodeOutputs(btcd.rpc, "regtest"),
    )
    # A chain of block rewards only has no fee history: btcd (which has no estimatesmartfee) has no estimate.
    assert btcd.rpc.estimate_fee_rate(6) is None
    btcd.fund(LOCK.script_pubkey, 20_000_000)  # the harness pays 10,000 sat of fee: btcd learns from it once mined
    btcd.generate(1)
    rate = btcd.rpc.estimate_fee_rate(6)
    per_kb = btcd.rpc.call("estimatefee", 6)
    assert rate is not None and rate == -(-int(per_kb * 100_000_000) // 1_000) > 1
    # The coordinator of a withdrawal (id mod n in key order) builds its payout PSBT at once, at that rate.
    withdrawal_id = sorted(KEYS).index(CUSTODIANS[0].public_key) + len(KEYS)
    withdrawal = TrackedWithdrawal(
        withdrawal_id, ALICE.address, "btc", 5_000_000, address_of(p2wpkh_script(MINER)), "pending"
    )
    assert payer.pay(withdrawal) is None
    psbt = psbt_from_base64((payer.board / f"withdrawal-{withdrawal_id}" / btc_board.UNSIGNED).read_text())
    spent = [
        SpendableOutput(vin.txid.hex(), vin.vout, scope.witness_utxo.value, bytes(scope.witness_script.data))
        for vin, scope in zip(psbt.tx.vin, psbt.inputs, strict=True)
    ]
    fee = sum(out.amount_sat for out in spent) - sum(out.value for out in psbt.tx.vout)
    vsize = estimate_payout_vsize(spent, [bytes(out.script_pubkey.data) for out in psbt.tx.vout], 2)
    assert fee == rate * vsize != fallback_fee
