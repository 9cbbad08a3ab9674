"""Bitcoin payouts of GoStaking withdrawals: PSBTs passed between custodians through a shared directory.

For withdrawal N, the coordinator is the custodian at index N mod n of the sorted custodian keys. It selects
custody UTXOs (deposit addresses of the registry and the custodians' change address), writes `unsigned.psbt`
paying `amount − fee` to the withdrawal's address and the rest back to the change address. The miner fee is
bitcoind's `estimatesmartfee` rate times the signed payout's size (the withdrawer bears it), at most
`max_fee_sat`. Every custodian checks that PSBT against the withdrawal it reads from GoStaking (`check_payout`,
which enforces the same cap), signs, and writes `<pubkey>.psbt`. Any custodian that sees m valid signatures
combines, finalizes and broadcasts (the same transaction, so a second broadcast is harmless), and records
`broadcast.txid`. Every custodian reports the payout as final only once its own bitcoind shows that transaction
with enough confirmations, and only then confirms it on GoStaking.

Take-over: the first custodian to see a withdrawal writes `first-seen` (its clock). If the coordinator has not
built the PSBT `takeover_after_s` later, the next custodian in key order builds it, after twice that the one
after, and so on. `unsigned.psbt` is created exclusively, so of custodians racing to build only one PSBT exists
and no custody output is spent twice. Custodians' clocks only need to agree to well within `takeover_after_s`.
"""

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from embit import ec
from embit.psbt import PSBT
from embit.transaction import Transaction

from gostaking.bridge.btc import (
    DUST_SAT,
    DepositRegistry,
    SpendableOutput,
    change_script,
    check_payout,
    create_psbt,
    estimate_payout_vsize,
    finalize_custodian_spend,
    p2wsh_script_pubkey,
    psbt_from_base64,
    script_for_address,
    sign_psbt,
)
from gostaking.bridge.btc_rpc import BitcoinRpc, btc_to_sat
from gostaking.bridge.errors import RpcError, ScriptError
from gostaking.bridge.store import TrackedWithdrawal, create_atomically, write_atomically
from gostaking.chain.numeric import GOS_DENOM
from gostaking.wallet.keys import PrivateKey

log = logging.getLogger(__name__)


@dataclass
class BtcPayer:
    """One custodian's side of Bitcoin payouts."""

    rpc: BitcoinRpc
    key: PrivateKey
    custodians: Sequence[bytes]
    threshold: int
    registry: DepositRegistry
    board: Path
    network: str = "mainnet"
    confirmations: int = 6
    fee_sat: int = 2_000
    """Miner fee when bitcoind has no estimate yet (a fresh node, regtest); deducted from the amount paid out."""
    hosted_chain: str = "bitcoin"
    max_fee_sat: int = 50_000
    """The most a payout may deduct as miner fee: what every custodian checks before signing."""
    fee_target_blocks: int = 6
    """Confirmation target for `estimatesmartfee`."""
    takeover_after_s: float = 600.0
    """How long each custodian in line waits for the one before it to build a withdrawal's PSBT."""
    clock: Callable[[], float] = time.time
    """Wall clock in seconds (injected by tests)."""

    def __post_init__(self) -> None:
        if not 0 < self.fee_sat <= self.max_fee_sat:
            raise ScriptError(f"the fallback fee {self.fee_sat} sat must be within 1..{self.max_fee_sat} (max fee)")
        self.custodians = sorted(self.custodians)
        self.change_witness_script = change_script(self.custodians, self.threshold)
        self.change_script_pubkey = p2wsh_script_pubkey(self.change_witness_script)

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
        broadcast = folder / "broadcast.txid"
        if broadcast.exists():
            return self._final(broadcast.read_text().strip())
        destination = script_for_address(withdrawal.to)
        unsigned = folder / "unsigned.psbt"
        if not unsigned.exists():
            if self._my_turn_to_build(folder, withdrawal.id):
                psbt = self._build(withdrawal, destination)
                if create_atomically(unsigned, psbt.to_base64().encode()):
                    log.info("built the payout PSBT of withdrawal %d", withdrawal.id)
            return None
        psbt = psbt_from_base64(unsigned.read_text())
        # Never sign what the chain did not ask for: the destination and amount come from GoStaking's withdrawal.
        check_payout(psbt, destination, withdrawal.amount, {self.change_script_pubkey}, self.max_fee_sat)
        mine = folder / f"{self.key.public_key.hex()}.psbt"
        if not mine.exists():
            sign_psbt(psbt, self.key.secret)
            write_atomically(mine, psbt.to_base64().encode())
        combined = self._combine(folder, psbt)
        if combined is not None:
            txid = combined.txid().hex()
            try:
                self.rpc.send_raw_transaction(str(combined.serialize().hex()))
            except RpcError as error:
                if "already" not in str(error).lower():  # another custodian broadcast it first: that is fine
                    raise
            write_atomically(broadcast, txid.encode())
            log.info("broadcast payout of withdrawal %d in %s", withdrawal.id, txid)
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

    def _final(self, txid: str) -> str | None:
        try:
            found = self.rpc.get_raw_transaction(txid)
        except RpcError:
            return None  # not yet seen by this custodian's node
        return txid if int(found.get("confirmations", 0)) >= self.confirmations else None

    def _spendable(self) -> list[SpendableOutput]:
        scripts = {e.address.lower(): bytes.fromhex(e.witness_script) for e in self.registry.entries()}
        scripts[self.change_address.lower()] = self.change_witness_script
        reserved = self._reserved()
        found = []
        for utxo in self.rpc.call("listunspent", 1, 9_999_999, sorted(scripts)):
            outpoint = (str(utxo["txid"]), int(utxo["vout"]))
            script = scripts.get(str(utxo["address"]).lower())
            if script is not None and outpoint not in reserved:
                found.append(SpendableOutput(outpoint[0], outpoint[1], btc_to_sat(Decimal(utxo["amount"])), script))
        return sorted(found, key=lambda u: (-u.amount_sat, u.txid, u.vout))

    def _reserved(self) -> set[tuple[str, int]]:
        # Outpoints already spent by another payout PSBT that is not confirmed yet must not be used twice.
        reserved = set()
        for path in self.board.glob("withdrawal-*/unsigned.psbt"):
            if (path.parent / "broadcast.txid").exists() and self._final(
                (path.parent / "broadcast.txid").read_text().strip()
            ):
                continue
            for vin in psbt_from_base64(path.read_text()).tx.vin:
                reserved.add((vin.txid.hex(), vin.vout))
        return reserved

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
        """bitcoind's fee rate for `fee_target_blocks` × the payout's size, at most `max_fee_sat`; `fee_sat`
        when bitcoind has no estimate."""
        try:
            rate = self.rpc.estimate_fee_rate(self.fee_target_blocks)
        except RpcError as error:
            log.warning("no fee estimate (%s): paying the fallback fee %d sat", error, self.fee_sat)
            rate = None
        if rate is None:
            return self.fee_sat
        return min(rate * vsize, self.max_fee_sat)

    def _combine(self, folder: Path, base: PSBT) -> Transaction | None:
        signed: dict[int, dict[Any, bytes]] = {i: {} for i in range(len(base.inputs))}
        for path in sorted(folder.glob("*.psbt")):
            if path.name == "unsigned.psbt":
                continue
            partial = psbt_from_base64(path.read_text())
            if partial.tx.txid() != base.tx.txid():
                log.warning("ignoring %s: it signs another transaction", path)
                continue
            for index, scope in enumerate(partial.inputs):
                digest = base.sighash(index)
                for pub, sig in scope.partial_sigs.items():
                    # A bad or foreign signature must not spoil the spend: keep only verifying ones.
                    if bytes(pub.sec()) in self.custodians and pub.verify(ec.Signature.parse(sig[:-1]), digest):
                        signed[index][pub] = sig
        if any(len(sigs) < self.threshold for sigs in signed.values()):
            return None
        for index, scope in enumerate(base.inputs):
            scope.partial_sigs = signed[index]
        return finalize_custodian_spend(base)
