"""What a custodian checks before it attests or signs, without a Bitcoin node: the lock script parsed back, the
depositor path's witness recognised, sweeps that pay anyone but custody refused, PSBT input amounts checked against
the custodian's own node (a rewritten witness UTXO cannot buy a bigger miner fee), the attestation margin before the
timelock and the senders of a deposit (every distinct input address). The watcher itself, a sanctioned second input
included, runs against btcd in test_btc_regtest.py."""

from pathlib import Path

import pytest
from gateway_harness import ALICE
from test_btc_watcher import FakeBitcoind, bitcoind, custodian_payers, custody_registry

from gostaking.bridge.btc import (
    CustodyLock,
    NodeOutput,
    SpendableOutput,
    change_script,
    check_payout,
    check_prevouts,
    check_sweep,
    create_psbt,
    finalize_custodian_spend,
    finalize_depositor_spend,
    is_depositor_witness,
    p2wsh_script_pubkey,
    psbt_from_base64,
    script_for_address,
    sign_psbt,
)
from gostaking.bridge.btc_board import UNSIGNED, signature_file
from gostaking.bridge.btc_rpc import DepositSafety, format_senders
from gostaking.bridge.errors import ScriptError
from gostaking.bridge.store import TrackedWithdrawal
from gostaking.wallet.keys import PrivateKey

__all__ = ["bitcoind"]

KEYS = [PrivateKey((0x2000 + i).to_bytes(32, "big")) for i in range(3)]
DEPOSITOR = PrivateKey((0x2003).to_bytes(32, "big"))
TXID = "aa" * 32
CUSTODY = p2wsh_script_pubkey(change_script([k.public_key for k in KEYS], 2))
THIEF = script_for_address("bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080")


def lock(csv: int = 144) -> CustodyLock:
    return CustodyLock.create([k.public_key for k in KEYS], 2, DEPOSITOR.public_key, csv)


def deposit_output(amount: int = 1_000_000, custody: CustodyLock | None = None) -> SpendableOutput:
    return SpendableOutput(TXID, 0, amount, (custody or lock()).witness_script)


@pytest.mark.parametrize("csv", [1, 16, 17, 20, 128, 255, 4_320, 32_768, 65_535])
def test_a_lock_is_read_back_from_its_witness_script(csv: int) -> None:
    custody = lock(csv)
    assert CustodyLock.from_witness_script(custody.witness_script) == custody
    for other in (change_script([k.public_key for k in KEYS], 2), custody.witness_script[:-1], b""):
        with pytest.raises(ScriptError, match="not a custody lock script"):
            CustodyLock.from_witness_script(other)


def test_the_depositor_path_witness_is_told_apart_from_the_custodians() -> None:
    custody = lock(20)
    back = create_psbt([deposit_output(custody=custody)], [(THIEF, 999_000)], sequence=20)
    sign_psbt(back, DEPOSITOR.secret)
    reclaim = finalize_depositor_spend(back, custody)
    assert is_depositor_witness(reclaim.vin[0].witness.items, custody)
    sweep = create_psbt([deposit_output(custody=custody)], [(CUSTODY, 998_000)])
    for key in KEYS[:2]:
        sign_psbt(sweep, key.secret)
    swept = finalize_custodian_spend(sweep)
    assert not is_depositor_witness(swept.vin[0].witness.items, custody)
    assert not is_depositor_witness(reclaim.vin[0].witness.items, lock(21))  # another lock's script


def test_a_sweep_pays_only_custody_spends_only_credited_deposits_and_keeps_the_fee_in_the_reserve() -> None:
    custody = lock()
    credited = {(TXID, 0): custody.witness_script}
    check_sweep(create_psbt([deposit_output()], [(CUSTODY, 998_000)]), credited, CUSTODY, 2_000)
    cases = [
        (create_psbt([deposit_output()], [(THIEF, 998_000)]), "exactly one output, to the custody script"),
        (create_psbt([deposit_output()], [(CUSTODY, 500_000), (CUSTODY, 498_000)]), "exactly one output"),
        (create_psbt([deposit_output()], [(CUSTODY, 997_999)]), "fee 2001 sat is outside 0..2000"),
        (
            create_psbt([SpendableOutput("bb" * 32, 1, 1_000_000, custody.witness_script)], [(CUSTODY, 998_000)]),
            "no credited deposit",
        ),
        (create_psbt([deposit_output(custody=lock(145))], [(CUSTODY, 998_000)]), "witness script of its deposit"),
    ]
    for psbt, reason in cases:
        with pytest.raises(ScriptError, match=reason):
            check_sweep(psbt_from_base64(psbt.to_base64()), credited, CUSTODY, 2_000)


def test_psbt_inputs_must_match_the_custodians_own_node() -> None:
    psbt = create_psbt([deposit_output(1_000_000)], [(CUSTODY, 998_000)])
    node = {(TXID, 0): NodeOutput(1_000_000, lock().script_pubkey, 5)}
    check_prevouts(psbt, node)
    with pytest.raises(ScriptError, match="claims 1000000 sat but my node shows 3000000 sat"):
        check_prevouts(psbt, {(TXID, 0): NodeOutput(3_000_000, lock().script_pubkey, 5)})
    with pytest.raises(ScriptError, match="my node shows"):
        check_prevouts(psbt, {(TXID, 0): NodeOutput(1_000_000, CUSTODY, 5)})
    with pytest.raises(ScriptError, match="not an unspent output of my node"):
        check_prevouts(psbt, {})


def test_outputs_are_attested_only_while_unspent_and_far_from_the_timelock() -> None:
    safety = DepositSafety(margin_percent=50, sweep_fee_sat=2_000)
    custody = lock(20)
    assert safety.required_blocks_left(custody) == 10 and safety.required_blocks_left(lock(21)) == 11
    assert safety.refusal(custody, 10, 1_000_000, unspent=True) is None
    assert "leave 9 blocks" in (safety.refusal(custody, 11, 1_000_000, unspent=True) or "")
    assert safety.refusal(custody, 3, 1_000_000, unspent=False) == "the output is already spent"
    assert "too little to sweep" in (safety.refusal(custody, 3, 2_546, unspent=True) or "")
    assert safety.credited_sat(1_000_000) == 998_000
    with pytest.raises(ValueError):
        DepositSafety(margin_percent=101)


def test_the_senders_of_a_deposit_are_every_distinct_input_address() -> None:
    assert format_senders(["bc1qa"]) == "bc1qa"
    assert format_senders(["bc1qa", "bc1qb", "bc1qa", "coinbase"]) == "bc1qa,bc1qb,coinbase"
    assert format_senders([f"bc1q{i}" for i in range(17)]) is None
    assert format_senders(["script:" + "00" * 100]) is None


def test_a_custodian_refuses_a_payout_psbt_whose_witness_utxo_amount_was_rewritten(
    bitcoind: tuple[FakeBitcoind, str], tmp_path: Path
) -> None:
    fake, url = bitcoind
    registry, address = custody_registry(tmp_path)
    fake.unspent = [{"txid": "11" * 32, "vout": 0, "address": address, "amount": "0.30000000", "confirmations": 10}]
    payers = custodian_payers(url, registry, tmp_path / "board")
    destination = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"
    withdrawal = TrackedWithdrawal(0, ALICE.address, "btc", 20_000_000, destination, "pending")
    # A rogue coordinator: the real input holds 0.3 BTC, the PSBT says 0.25, the change gets 0.05 — the payout and
    # its fee look right against the withdrawal, and 0.05 BTC more would go to the miners.
    script = bytes.fromhex(registry.get(address).witness_script)  # type: ignore[union-attr]
    forged = create_psbt(
        [SpendableOutput("11" * 32, 0, 25_000_000, script)],
        [(script_for_address(destination), 19_999_000), (payers[0].change_script_pubkey, 5_000_000)],
    )
    folder = tmp_path / "board" / "withdrawal-0"
    folder.mkdir(parents=True)
    (folder / UNSIGNED).write_text(forged.to_base64())
    with pytest.raises(ScriptError, match="my node shows 30000000 sat"):
        payers[1].pay(withdrawal)
    assert not signature_file(folder, payers[1].key.public_key).exists()


def test_a_sweep_or_payout_that_could_not_be_mined_at_once_is_refused() -> None:
    credited = {(TXID, 0): lock().witness_script}
    delayed = create_psbt([deposit_output()], [(CUSTODY, 998_000)], sequence=4_000)  # a relative lock on the input
    with pytest.raises(ScriptError, match="relative timelock"):
        check_sweep(delayed, credited, CUSTODY, 2_000)
    late = create_psbt([deposit_output()], [(CUSTODY, 998_000)])
    late.locktime = 900_000
    with pytest.raises(ScriptError, match="locktime"):
        check_sweep(late, credited, CUSTODY, 2_000)
    payout = create_psbt([deposit_output()], [(THIEF, 997_000)], sequence=4_000)
    with pytest.raises(ScriptError, match="relative timelock"):
        check_payout(payout, THIEF, 998_000, {CUSTODY}, 5_000)
