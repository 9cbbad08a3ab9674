"""Step 3 of the attester's pass, the half that moves funds (attester.py describes the whole pass): pay the pending
withdrawals the gateway follows and sweep the credited deposits, each only as the state read again with Merkle
proofs against an app hash the trust anchor confirms says (proofs.py, trust.py). A node that lies in its blocks or
its state gets nothing paid (`PassReport.refused_payouts`) and nothing swept (a note says why)."""

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from gostaking.bridge.errors import BridgeError, StateVerificationError
from gostaking.bridge.proofs import (
    MAX_KEYS_PER_READ,
    ProvenState,
    VerifiedReader,
    check_credited,
    check_payout,
    deposit_key,
    withdrawal_proof_keys,
)
from gostaking.bridge.store import BridgeState, OutboxEntry, TrackedDeposit, TrackedWithdrawal
from gostaking.chain.types.tx import MsgConfirmWithdrawal

if TYPE_CHECKING:
    from gostaking.bridge.attester import PassReport, Payer, SanctionsScreen, Sweeper

log = logging.getLogger(__name__)

WITHDRAWALS_PER_PROOF = MAX_KEYS_PER_READ // 2
"""Withdrawals verified per proof request (each needs its own key and its denom's)."""
SANCTIONED = "destination is on the sanctions list"

Tracked = TypeVar("Tracked", TrackedWithdrawal, TrackedDeposit)


def proven_parts(
    verifier: VerifiedReader, tracked: Sequence[Tracked], size: int, keys: Callable[[Sequence[Tracked]], list[bytes]]
) -> Iterator[tuple[Sequence[Tracked], ProvenState | BridgeError]]:
    """`tracked`, `size` at a time, each part with the state its `keys` were proven in, or the error that kept them
    from being read (each step decides what that error means for its part)."""
    for start in range(0, len(tracked), size):
        part = tracked[start : start + size]
        try:
            proven: ProvenState | BridgeError = verifier.read(keys(part))
        except BridgeError as error:
            proven = error
        yield part, proven


@dataclass
class VerifiedPayouts:
    """Pays pending withdrawals through the payers, as the proven state asks and the gateway's own sanctions list
    allows, and queues their confirmations."""

    verifier: VerifiedReader
    payers: "Sequence[Payer]"
    screen: "SanctionsScreen | None"

    def payer_for(self, hosted_chain: str, denom: str) -> "Payer | None":
        """The payer of withdrawals of `denom` hosted on `hosted_chain`, if this gateway pays them."""
        return next((p for p in self.payers if p.hosted_chain == hosted_chain and p.serves(denom)), None)

    def pay(self, state: BridgeState, report: "PassReport") -> None:
        """Advance every pending withdrawal of `state` not yet confirmed, a proof request per chunk; the caller
        saves `state`."""
        due = [
            w
            for w in sorted(state.withdrawals.values(), key=lambda w: w.id)
            if w.status == "pending" and not w.confirm_queued
        ]
        for chunk, proven in proven_parts(self.verifier, due, WITHDRAWALS_PER_PROOF, withdrawal_proof_keys):
            if isinstance(proven, StateVerificationError):
                for withdrawal in chunk:
                    self._refuse(withdrawal, str(proven), report)
                continue
            if isinstance(proven, BridgeError):
                # Not verifiable yet (or the node is down): nothing of this chunk is paid; the next pass reads again.
                ids = ", ".join(str(w.id) for w in chunk)
                log.warning("withdrawals %s not paid yet: %s", ids, proven)
                report.notes.append(f"withdrawals {ids} not paid yet: {proven}")
                continue
            for withdrawal in chunk:
                try:
                    chain = check_payout(proven, withdrawal)
                except StateVerificationError as error:
                    self._refuse(withdrawal, str(error), report)
                    continue
                if chain is not None:
                    self._pay_one(state, withdrawal, chain, report)

    def _refuse(self, withdrawal: TrackedWithdrawal, reason: str, report: "PassReport") -> None:
        """Pay nothing for `withdrawal`: what the node said about it failed verification (logged once per reason)."""
        if withdrawal.blocked != reason:
            log.error("withdrawal %d NOT paid: %s", withdrawal.id, reason)
        withdrawal.blocked = reason
        report.refused_payouts[withdrawal.id] = reason

    def _pay_one(self, state: BridgeState, withdrawal: TrackedWithdrawal, chain: str, report: "PassReport") -> None:
        """Pay a withdrawal the proven state asks for, on `chain` (the proven hosted chain of its denom)."""
        payer = self.payer_for(chain, withdrawal.denom)
        if payer is None:
            return
        # Defence in depth: the chain holds withdrawals to addresses on its list, but the gateway refuses on
        # its own list too (it may be newer than the chain's, or the chain's may have been tampered with).
        if self.screen is not None and self.screen.is_listed(chain, withdrawal.to):
            if withdrawal.blocked != SANCTIONED:
                withdrawal.blocked = SANCTIONED
                log.warning("withdrawal %d to %s refused: sanctioned destination", withdrawal.id, withdrawal.to)
            report.blocked_payouts.append(withdrawal.id)
            return
        withdrawal.blocked = ""
        try:
            payout_tx = payer.pay(withdrawal)
        except BridgeError as error:
            # One withdrawal that cannot be paid (bad PSBT, empty custody, RPC hiccup) must not stop the rest.
            report.notes.append(f"withdrawal {withdrawal.id}: {error}")
            return
        if payout_tx is None:
            return
        withdrawal.payout_tx = payout_tx
        withdrawal.confirm_queued = True
        report.paid[withdrawal.id] = payout_tx
        key = f"withdrawal:{withdrawal.id}"
        if not state.is_known(key):
            state.outbox.append(OutboxEntry(key, MsgConfirmWithdrawal(withdrawal.id, payout_tx)))


@dataclass
class VerifiedSweeps:
    """Has the sweepers move the deposits the proven state shows credited out of their depositors' reach."""

    verifier: VerifiedReader
    sweepers: "Sequence[Sweeper]"

    @property
    def hosted_chains(self) -> set[str]:
        """The hosted chains whose credited deposits the gateway follows to sweep them."""
        return {sweeper.hosted_chain for sweeper in self.sweepers}

    def sweep(self, state: BridgeState, report: "PassReport") -> None:
        """Advance the sweeps of the deposits `state` tracks, forgetting those that need no more work; the caller
        saves `state`."""
        for sweeper in self.sweepers:
            tracked = sorted(
                (d for d in state.deposits.values() if d.hosted_chain == sweeper.hosted_chain),
                key=lambda d: d.key,
            )
            verified = self._verified_credits(tracked, report)
            if not verified:
                continue
            try:
                outcome = sweeper.sweep(verified)
            except BridgeError as error:  # e.g. the hosted chain's node is down: try again next pass
                report.notes.append(f"sweeps on {sweeper.hosted_chain}: {error}")
                continue
            for key in outcome.done:
                state.deposits.pop(key, None)
            report.swept.update(outcome.swept)
            report.notes.extend(outcome.notes)

    def _verified_credits(self, tracked: list[TrackedDeposit], report: "PassReport") -> list[TrackedDeposit]:
        """The tracked deposits the proven state shows credited, with the amount it credited; the others are not
        swept in this pass (and a deposit credited with another amount than announced never is)."""
        verified = []
        for chunk, proven in proven_parts(self.verifier, tracked, MAX_KEYS_PER_READ, _deposit_keys):
            if isinstance(proven, BridgeError):
                log.error("sweeps of %s deferred: %s", ", ".join(d.key for d in chunk), proven)
                report.notes.append(f"sweeps deferred: {proven}")
                continue
            for deposit in chunk:
                try:
                    checked = check_credited(proven, deposit)
                except StateVerificationError as error:
                    log.error("%s not swept: %s", deposit.key, error)
                    report.notes.append(f"{deposit.key}: not swept: {error}")
                    continue
                if checked is None:
                    report.notes.append(f"{deposit.key}: not credited at height {proven.height}; not swept")
                else:
                    verified.append(checked)
        return verified


def _deposit_keys(deposits: Sequence[TrackedDeposit]) -> list[bytes]:
    return [deposit_key(d.hosted_chain, d.external_tx_id) for d in deposits]
