"""Sweeps: every deposit GoStaking credited leaves its deposit address for the custody script long before its
depositor could take it back.

A deposit address is `wsh(or_d(multi(m,K…),and_v(v:pk(D),older(T))))`: T blocks after the deposit confirmed, the
depositor's key alone spends it, while GoStaking still shows the units credited. So as soon as the gateway learns
from GoStaking's blocks that a deposit was credited (`Attester` tracks `deposit_credited` events for sweepers), the
custodians spend its output through the multisig path to the custody script `wsh(multi(m,K…))` (the same script as
payout change), where only m custodians can move it.

One sweep per deposit, in the board folder `sweep-<txid>-<vout>`. The PSBT is fully determined by the deposit —
its output, all of it less `sweep_fee_sat` (the part the watchers did not credit), to the custody script — so every
custodian builds it from its own node's view, checks it (`check_sweep`: only credited deposits it tracks as
inputs, only the custody script as output, the fee within the reserve; `check_prevouts`: the input as its own node
reports it; and no less than GoStaking credited), signs it and leaves its signatures on the board. The first
custodian also writes it as `unsigned.psbt` (created exclusively); a different PSBT found there — a faulty or
rogue custodian's — is checked the same way, reported and never signed, and cannot hold the sweep up. Whoever holds
m signatures broadcasts; a deposit needs no more work once its sweep is `confirmations` deep, or once its output was
spent otherwise (a payout used it, or the depositor took it back: the watcher reports that).

`deadline_percent`: a deposit still unswept when fewer than that share of T blocks remain before its depositor may
reclaim is reported in every pass (and logged as a warning) until it is swept: the operators must act (restart a
silent custodian, check the node's mempool).
"""

import logging
from dataclasses import dataclass
from pathlib import Path

from embit.psbt import PSBT

from gostaking.bridge import btc_board
from gostaking.bridge.attester import SweepOutcome
from gostaking.bridge.btc import (
    DUST_SAT,
    CustodyLock,
    NodeOutput,
    SpendableOutput,
    check_prevouts,
    check_sweep,
    create_psbt,
    psbt_from_base64,
)
from gostaking.bridge.btc_board import BtcCustodian
from gostaking.bridge.btc_outputs import CustodyOutputs, NodeOutputs
from gostaking.bridge.btc_rpc import DEFAULT_SWEEP_FEE_SAT
from gostaking.bridge.errors import BridgeError, ScriptError
from gostaking.bridge.store import TrackedDeposit, create_atomically

log = logging.getLogger(__name__)


@dataclass
class BtcSweeper(BtcCustodian):
    """One custodian's side of sweeps."""

    sweep_fee_sat: int = DEFAULT_SWEEP_FEE_SAT
    """Miner fee of a deposit's sweep: the watchers' `DepositSafety.sweep_fee_sat` (not credited), the same for all."""
    deadline_percent: int = 25
    outputs: CustodyOutputs | None = None
    """This custodian's node's view of outputs (`NodeOutputs`, i.e. gettxout, unless given)."""

    def __post_init__(self) -> None:
        if self.sweep_fee_sat <= 0 or not 0 <= self.deadline_percent <= 100:
            raise ScriptError("a sweep needs a positive sweep fee and a deadline of 0..100 percent of the timelock")
        super().__post_init__()
        self.node_outputs: CustodyOutputs = self.outputs or NodeOutputs(self.rpc, self.network)

    def sweep(self, deposits: list[TrackedDeposit]) -> SweepOutcome:
        """Advance the sweep of each credited deposit (a failure on one is noted and does not stop the others)."""
        outcome = SweepOutcome()
        scripts = self.deposit_scripts()
        outpoints = {}
        credited = {deposit.key: deposit.amount for deposit in deposits}
        for deposit in deposits:
            txid, _, vout = deposit.external_tx_id.rpartition(":")
            if len(txid) == 64 and vout.isdigit():
                outpoints[deposit.key] = (txid, int(vout))
            else:  # not a Bitcoin output (another asset's deposit on this chain name?): nothing this sweeper can do
                outcome.done.append(deposit.key)
                outcome.notes.append(f"{deposit.key}: does not name a Bitcoin output (txid:vout); not swept")
        unspent = self.node_outputs.lookup(outpoints.values(), scripts)
        reserved = self.reserved_outpoints()
        for key, outpoint in outpoints.items():
            try:
                self._advance(key, outpoint, credited[key], unspent.get(outpoint), scripts, reserved, outcome)
            except BridgeError as error:
                outcome.notes.append(f"{key}: sweep: {error}")
        return outcome

    def folder(self, outpoint: tuple[str, int]) -> Path:
        """The board folder of a deposit's sweep."""
        return self.board / f"sweep-{outpoint[0]}-{outpoint[1]}"

    def _advance(
        self,
        key: str,
        outpoint: tuple[str, int],
        credited: int,
        found: NodeOutput | None,
        scripts: dict[bytes, bytes],
        reserved: dict[tuple[str, int], str],
        outcome: SweepOutcome,
    ) -> None:
        folder = self.folder(outpoint)
        sent = folder / btc_board.BROADCAST
        if sent.exists():
            if self.final(folder) is not None:
                outcome.done.append(key)
            return
        if found is None:
            # Spent, and not by a sweep this custodian knows: a payout used it, or its depositor took it back (the
            # watcher reports that to GoStaking). Either way there is nothing left to sweep.
            outcome.done.append(key)
            outcome.notes.append(f"{key}: spent without a sweep; nothing to sweep")
            return
        witness_script = scripts.get(found.script_pubkey)
        if witness_script is None:
            outcome.done.append(key)
            outcome.notes.append(f"{key}: does not pay a registered deposit address; not swept")
            return
        overdue = self._check_deadline(key, CustodyLock.from_witness_script(witness_script), found, outcome)
        if reserved.get(outpoint, "").startswith("withdrawal-") and not overdue:
            # A payout PSBT spends it, which moves it out of the depositor's reach too; past the deadline the sweep
            # goes ahead anyway (one of the two spends will fail, and a late payout is better than a reclaim).
            # Other sweep folders never reserve it: each sweep spends its own deposit only.
            return
        # The sweep is fully determined by the deposit: build it from my own node's view and sign only that, so a
        # PSBT another custodian wrote can neither make me sign something else nor block the sweep by being wrong.
        sweep = self._build(outpoint, found, witness_script)
        self._check(sweep, outpoint, witness_script, found, credited)
        unsigned = folder / btc_board.UNSIGNED
        create_atomically(unsigned, sweep.to_base64().encode())
        proposed = unsigned.read_text().strip()
        if proposed != sweep.to_base64():
            try:
                self._check(psbt_from_base64(proposed), outpoint, witness_script, found, credited)
                reason = "it differs from the sweep this deposit determines"
            except ScriptError as error:
                reason = str(error)
            log.warning("%s: not signing the sweep PSBT on the board: %s", key, reason)
            outcome.notes.append(
                f"{key}: not signing the sweep PSBT on the board ({reason}); signing the canonical one"
            )
        if not self.has_signed(folder):
            self.sign(folder, sweep)
        txid = self.broadcast_when_signed(folder, sweep)
        if txid is not None:
            outcome.swept[key] = txid
            log.info("swept deposit %s to the custody script in %s", key, txid)

    def _build(self, outpoint: tuple[str, int], found: NodeOutput, witness_script: bytes) -> PSBT:
        value = found.amount_sat - self.sweep_fee_sat
        if value <= DUST_SAT:
            raise ScriptError(f"{found.amount_sat} sat cannot pay the {self.sweep_fee_sat} sat sweep fee")
        spend = SpendableOutput(outpoint[0], outpoint[1], found.amount_sat, witness_script)
        return create_psbt([spend], [(self.custody_script_pubkey, value)])

    def _check(
        self, psbt: PSBT, outpoint: tuple[str, int], witness_script: bytes, found: NodeOutput, credited: int
    ) -> None:
        """Never sign what GoStaking did not credit or what pays anyone but custody (`check_sweep`), nor a PSBT whose
        input my own node reports otherwise (`check_prevouts`), nor a sweep leaving custody less than was credited."""
        check_sweep(psbt, {outpoint: witness_script}, self.custody_script_pubkey, self.sweep_fee_sat)
        check_prevouts(psbt, {outpoint: found})
        if psbt.tx.vout[0].value < credited:
            raise ScriptError(
                f"the sweep leaves {psbt.tx.vout[0].value} sat in custody, GoStaking credited {credited}: "
                "is --sweep-fee-sat the same for every custodian?"
            )

    def _check_deadline(self, key: str, lock: CustodyLock, found: NodeOutput, outcome: SweepOutcome) -> bool:
        """True (and reported) when the deposit is still unswept past the deadline."""
        left = lock.csv_blocks - found.confirmations
        if left >= -(-lock.csv_blocks * self.deadline_percent // 100):
            return False
        note = f"{key}: still unswept {left} blocks before its depositor may reclaim it (lock of {lock.csv_blocks})"
        log.warning(note)
        outcome.notes.append(note)
        return True
