"""Bitcoin payouts of GoStaking withdrawals: PSBTs passed between custodians through a shared directory.

For withdrawal N, the coordinator is the custodian at index N mod n of the sorted custodian keys. It selects
custody UTXOs (deposit addresses of the registry and the custodians' change address), writes `unsigned.psbt`
paying `amount − fee` to the withdrawal's address and the rest back to the change address. The miner fee is
the node's fee rate (Bitcoin Core's `estimatesmartfee`, btcd's `estimatefee`) times the signed payout's size (the
withdrawer bears it), at most `max_fee_sat`. Every custodian checks that PSBT against the withdrawal it reads from
GoStaking (`check_payout`, which enforces the same cap) and every input against its own Bitcoin node
(`check_prevouts`: the amounts the fee checks read must be the real ones), signs, and writes `<pubkey>.psbt`. Any
custodian that sees m valid signatures combines, finalizes and broadcasts (the same transaction, so a second
broadcast is harmless), and records `broadcast.txid`. Every custodian reports the payout as final only once its
own bitcoind shows that transaction with enough confirmations, and only then confirms it on GoStaking.

Take-over: the first custodian to see a withdrawal writes `first-seen` (its clock). If the coordinator has not
built the PSBT `takeover_after_s` later, the next custodian in key order builds it, after twice that the one
after, and so on. `unsigned.psbt` is created exclusively, so of custodians racing to build only one PSBT exists
and no custody output is spent twice. Custodians' clocks only need to agree to well within `takeover_after_s`.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from embit.psbt import PSBT

from gostaking.bridge import btc_board
from gostaking.bridge.btc import (
    DUST_SAT,
    SpendableOutput,
    check_payout,
    check_prevouts,
    create_psbt,
    estimate_payout_vsize,
    psbt_from_base64,
    script_for_address,
)
from gostaking.bridge.btc_board import BtcCustodian
from gostaking.bridge.btc_outputs import CustodyOutputs, WalletOutputs
from gostaking.bridge.errors import RpcError, ScriptError
from gostaking.bridge.store import TrackedWithdrawal, create_atomically
from gostaking.chain.numeric import GOS_DENOM

log = logging.getLogger(__name__)


@dataclass
class BtcPayer(BtcCustodian):
    """One custodian's side of Bitcoin payouts."""

    fee_sat: int = 2_000
    """Miner fee when the node has no estimate yet (a fresh node, regtest); deducted from the amount paid out."""
    max_fee_sat: int = 50_000
    """The most a payout may deduct as miner fee: what every custodian checks before signing."""
    fee_target_blocks: int = 6
    """Confirmation target of the node's fee estimate (`estimatesmartfee`; btcd: `estimatefee`)."""
    takeover_after_s: float = 600.0
    """How long each custodian in line waits for the one before it to build a withdrawal's PSBT."""
    clock: Callable[[], float] = time.time
    """Wall clock in seconds (injected by tests)."""
    outputs: CustodyOutputs | None = None
    """This custodian's node's view of custody outputs: Bitcoin Core's wallet by default (`WalletOutputs`);
    `NodeOutputs` for btcd."""

    def __post_init__(self) -> None:
        if not 0 < self.fee_sat <= self.max_fee_sat:
            raise ScriptError(f"the fallback fee {self.fee_sat} sat must be within 1..{self.max_fee_sat} (max fee)")
        super().__post_init__()
        self.node_outputs: CustodyOutputs = self.outputs or WalletOutputs(self.rpc, self.network)

    @property
    def change_script_pubkey(self) -> bytes:
        """Where a payout's change goes: back to the custody script."""
        return self.custody_script_pubkey

    @property
    def change_address(self) -> str:
        """The custodians' change address (fund it, or import it, like the deposit addresses)."""
        from embit.script import Script

        from gostaking.bridge.btc import network_params

        return str(Script(self.change_script_pubkey).address(network_params(self.network)))

    def serves(self, denom: str) -> bool:
        """Every asset custodied on Bitcoin is paid in satoshi from the custody outputs; GOS never is."""
        return denom != GOS_DENOM

    def pay(self, withdrawal: TrackedWithdrawal) -> str | None:
        """Advance the payout of `withdrawal`; its txid once final, else None."""
        folder = self.board / f"withdrawal-{withdrawal.id}"
        if (folder / btc_board.BROADCAST).exists():
            return self.final(folder)
        destination = script_for_address(withdrawal.to)
        unsigned = folder / btc_board.UNSIGNED
        if not unsigned.exists():
            if self._my_turn_to_build(folder, withdrawal.id):
                psbt = self._build(withdrawal, destination)
                if create_atomically(unsigned, psbt.to_base64().encode()):
                    log.info("built the payout PSBT of withdrawal %d", withdrawal.id)
            return None
        psbt = psbt_from_base64(unsigned.read_text())
        # Never sign what the chain did not ask for: the destination and amount come from GoStaking's withdrawal.
        check_payout(psbt, destination, withdrawal.amount, {self.change_script_pubkey}, self.max_fee_sat)
        if not self.has_signed(folder):
            # The fee check above read the PSBT's own input amounts: sign only if my node reports the same.
            check_prevouts(psbt, self.node_outputs.lookup(_outpoints(psbt), self._custody_scripts()))
            self.sign(folder, psbt)
        broadcast_txid = self.broadcast_when_signed(folder, psbt)
        if broadcast_txid is not None:
            log.info("broadcast payout of withdrawal %d in %s", withdrawal.id, broadcast_txid)
        return None

    def _my_turn_to_build(self, folder: Path, withdrawal_id: int) -> bool:
        """The coordinator (custodian withdrawal_id mod n) builds at once; the k-th after it in key order once k ×
        takeover_after_s have passed since the withdrawal was first seen without a PSBT."""
        count = len(self.custodians)
        rank = (self.custodians.index(self.key.public_key) - withdrawal_id) % count
        now = self.clock()
        marker = folder / "first-seen"
        if not marker.exists():
            create_atomically(marker, repr(now).encode())
        if rank == 0:
            return True
        try:
            first_seen = float(marker.read_text())
        except ValueError:
            return False  # unreadable marker: leave building to the coordinator
        return now >= first_seen + rank * self.takeover_after_s

    def _custody_scripts(self) -> dict[bytes, bytes]:
        """script_pubkey → witness script of every custody output: the deposit addresses and the change address."""
        return self.deposit_scripts() | {self.custody_script_pubkey: self.custody_witness_script}

    def _spendable(self) -> list[SpendableOutput]:
        # Outpoints already spent by another PSBT (payout or sweep) that is not confirmed yet must not be used twice.
        reserved = self.reserved_outpoints()
        found = [u for u in self.node_outputs.unspent(self._custody_scripts()) if (u.txid, u.vout) not in reserved]
        return sorted(found, key=lambda u: (-u.amount_sat, u.txid, u.vout))

    def _build(self, withdrawal: TrackedWithdrawal, destination: bytes) -> PSBT:
        chosen: list[SpendableOutput] = []
        for utxo in self._spendable():
            chosen.append(utxo)
            if sum(u.amount_sat for u in chosen) >= withdrawal.amount:
                break
        total = sum(u.amount_sat for u in chosen)
        if total < withdrawal.amount:
            raise ScriptError(f"custody holds {total} sat spendable, withdrawal {withdrawal.id} needs more")
        change = total - withdrawal.amount
        scripts = [destination] + ([self.change_script_pubkey] if change > DUST_SAT else [])
        fee = self._fee(estimate_payout_vsize(chosen, scripts, self.threshold))
        pay = withdrawal.amount - fee
        if pay <= DUST_SAT:
            raise ScriptError(f"withdrawal {withdrawal.id} is too small to pay after the {fee} sat fee")
        outputs = [(destination, pay)] + ([(self.change_script_pubkey, change)] if change > DUST_SAT else [])
        return create_psbt(chosen, outputs)

    def _fee(self, vsize: int) -> int:
        """The node's fee rate for `fee_target_blocks` × the payout's size, at most `max_fee_sat`; `fee_sat`
        when the node has no estimate."""
        try:
            rate = self.rpc.estimate_fee_rate(self.fee_target_blocks)
        except RpcError as error:
            log.warning("no fee estimate (%s): paying the fallback fee %d sat", error, self.fee_sat)
            rate = None
        if rate is None:
            return self.fee_sat
        return min(rate * vsize, self.max_fee_sat)


def _outpoints(psbt: PSBT) -> list[tuple[str, int]]:
    return [(vin.txid.hex(), vin.vout) for vin in psbt.tx.vin]
