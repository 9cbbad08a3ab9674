"""Attesters: turn deposits seen on a hosted chain into MsgAttestDeposit, follow GoStaking withdrawals, pay
them out (after sanctions screening) and confirm them with MsgConfirmWithdrawal. Native GOS (denom ugos) is
handled the same way: a withdrawal of ugos is paid by minting the GOS ERC-20 on `params.custody.gos_token_chain`
and a burn of that token is a deposit of ugos.

Crash safety. One pass of `Attester.run_once` is:
1. settle in-flight transactions (asking the node for their outcome) before sending anything again;
2. scan each watcher from its cursor; the new observations join the outbox and the cursor advances in the same
   atomic state write, so a restart neither skips an observation nor sees it twice;
3. follow GoStaking blocks for withdrawal events, pay pending ones through the payers, queue confirmations; follow
   credited deposits for the sweepers, which move them to the custody script before their depositor could take
   them back (the watchers report such reclaims: `MsgReportReclaim`). What is paid, swept or reported is first
   read again with Merkle proofs against an app hash the trust anchor confirms (proofs.py, trust.py): a node that
   lies in its blocks or its state gets nothing paid (`PassReport.refused_payouts`). Payouts and sweeps are
   payouts.py's `VerifiedPayouts` and `VerifiedSweeps`;
4. send the outbox: the transaction hash is written (write-ahead) before the transaction is submitted, so
   after a crash the gateway asks the node about that hash instead of paying a second fee.
The chain is idempotent anyway (a second attestation fails with AlreadyAttestedError), this only saves fees.

Confirmations are sent before attestations. A swap back to native GOS is credited only up to the GOS bridged
out, which grows when a withdrawal of ugos completes; tokens minted by a release can be burned right away, and
both events reach the confirmation depth in block order. Sending each custodian's confirmations first means the
m-th attestation of such a burn always lands after m confirmations of the release, so it is not held.
"""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import msgspec

from gostaking.bridge.errors import BridgeError, DeepReorgError, NodeApiError, RpcError, TxRejectedError
from gostaking.bridge.node_client import MessageSender, NodeClient
from gostaking.bridge.payouts import VerifiedPayouts, VerifiedSweeps
from gostaking.bridge.proofs import VerifiedReader, deposit_key
from gostaking.bridge.store import (
    BridgeState,
    InflightTx,
    OutboxEntry,
    StateStore,
    TrackedDeposit,
    TrackedWithdrawal,
)
from gostaking.bridge.trust import SingleNodeTrust
from gostaking.chain.codec import tx_hash
from gostaking.chain.crypto import is_valid_address
from gostaking.chain.events import ChainEvent, decode_event
from gostaking.chain.modules.custody.events import (
    DepositCreditedEvent,
    DepositReclaimedEvent,
    HoldResolvedEvent,
    WithdrawalCompletedEvent,
    WithdrawalRequestedEvent,
)
from gostaking.chain.modules.custody.queries import compute_deposit_key
from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.types.block import Event
from gostaking.chain.types.tx import Msg, MsgAttestDeposit, MsgConfirmWithdrawal, MsgReportReclaim

log = logging.getLogger(__name__)

MAX_MSGS_PER_TX = 16
"""The chain's default `max_msgs`; batching saves fees, a failed batch is retried one message per tx."""
BLOCKS_PER_PASS = 500
"""Bound on GoStaking blocks read per pass, so one pass stays short after a long downtime."""
WITHDRAWALS_CURSOR = "gostaking:blocks"
FOLLOWED_EVENTS: dict[str, type[ChainEvent]] = {
    event.event_kind(): event for event in (WithdrawalRequestedEvent, HoldResolvedEvent, WithdrawalCompletedEvent)
}
"""The custody events a paying gateway follows, by kind. Only these (and SWEEP_EVENTS) are decoded: a newer node may
emit kinds this gateway does not know."""
SWEEP_EVENTS: dict[str, type[ChainEvent]] = {
    event.event_kind(): event for event in (DepositCreditedEvent, HoldResolvedEvent, DepositReclaimedEvent)
}
"""The custody events a sweeping gateway follows: deposits credited (directly or by a released hold) are swept until
their output is spent; a reclaimed one needs no sweep."""
DECODED_EVENTS = {**FOLLOWED_EVENTS, **SWEEP_EVENTS}


class ObservedDeposit(MsgAttestDeposit, frozen=True):
    """A transfer into custody seen on a hosted chain with enough confirmations: exactly what its attestation
    states (hosted chain, transaction id, sender, recipient, denom, amount), so the fields are the message's."""

    @property
    def key(self) -> str:
        """'hosted_chain:external_tx_id', the chain's name for the deposit."""
        return compute_deposit_key(self.hosted_chain, self.external_tx_id)

    def to_msg(self) -> MsgAttestDeposit:
        """The attestation message, as the chain's own type (what the outbox stores and a state file decodes to)."""
        return MsgAttestDeposit(*msgspec.structs.astuple(self))


class ObservedReclaim(MsgReportReclaim, frozen=True):
    """A custody output taken back by its depositor (the lock's timelocked path), seen with enough confirmations."""

    @property
    def key(self) -> str:
        """'reclaim:hosted_chain:external_tx_id': the outbox key of the report."""
        return "reclaim:" + compute_deposit_key(self.hosted_chain, self.external_tx_id)

    def to_msg(self) -> MsgReportReclaim:
        """The report message, as the chain's own type."""
        return MsgReportReclaim(*msgspec.structs.astuple(self))


@dataclass(frozen=True)
class DepositBatch:
    """What one scan found, and the cursor to resume from."""

    deposits: list[ObservedDeposit]
    cursor: str
    notes: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    """Deposits seen but not to be attested (key → why, e.g. too close to the depositor's timelock)."""
    reclaims: list[ObservedReclaim] = field(default_factory=list)


class DepositWatcher(Protocol):
    """Finds deposits on one hosted chain from a persisted cursor."""

    @property
    def name(self) -> str:
        """Cursor name, unique per watched contract or wallet."""
        ...

    def scan(self, cursor: str | None) -> DepositBatch:
        """Deposits after `cursor` that have enough confirmations, and the next cursor."""
        ...


def block_cursor(height: int, block_hash: str) -> str:
    """A block watcher's cursor: '<height>:<hash>' of the last block it read ('<height>:' before it read any)."""
    return f"{height}:{block_hash}"


def parse_block_cursor(cursor: str) -> tuple[int, str]:
    """(height, hash) of a block watcher's cursor. An EVM cursor saved before block hashes were kept is the bare
    height: its hash reads as '' (not checked once; the next cursor saved has it)."""
    height_text, _, block_hash = cursor.partition(":")
    try:
        return int(height_text), block_hash
    except ValueError:
        raise RpcError(f"watcher cursor {cursor!r} is neither '<height>:<hash>' nor a block height") from None


def require_on_best_chain(
    cursor: tuple[int, str], tip: int, hash_at: Callable[[int], str], chain: str, confirmations: int
) -> None:
    """Raise DeepReorgError unless the block a watcher read last (`cursor`: height and hash) is still the node's
    block at that height (`hash_at`, on a chain ending at `tip`). Nothing to check before the first block read, or
    for a cursor saved without a hash."""
    height, read_hash = cursor
    if not read_hash or height < 0:
        return
    current = hash_at(height) if height <= tip else None
    if current != read_hash:
        raise DeepReorgError(chain, height, read_hash, current, tip, confirmations)


class Payer(Protocol):
    """Pays GoStaking withdrawals out on one hosted chain (several payers may serve one chain, e.g. the vault
    and the GOS bridge on Ethereum: each says which denoms it pays)."""

    @property
    def hosted_chain(self) -> str:
        """Hosted chain served, e.g. 'ethereum'."""
        ...

    def serves(self, denom: str) -> bool:
        """True when this payer pays withdrawals of `denom` (hosted on `hosted_chain`)."""
        ...

    def pay(self, withdrawal: TrackedWithdrawal) -> str | None:
        """Advance the payout; the hosted-chain transaction id once it is final, else None (try again later)."""
        ...


@dataclass
class SweepOutcome:
    """What one sweeper pass did."""

    done: list[str] = field(default_factory=list)
    """Keys of tracked deposits that need no more sweeping (swept and final, or spent otherwise)."""
    swept: dict[str, str] = field(default_factory=dict)
    """Deposit key → sweep transaction broadcast in this pass."""
    notes: list[str] = field(default_factory=list)


class Sweeper(Protocol):
    """Moves credited deposits on one hosted chain out of the depositors' reach (Bitcoin: to the custody script)."""

    @property
    def hosted_chain(self) -> str:
        """Hosted chain served, e.g. 'bitcoin'."""
        ...

    def sweep(self, deposits: list[TrackedDeposit]) -> SweepOutcome:
        """Advance the sweep of each credited deposit; say which need no more work."""
        ...


class SanctionsScreen(Protocol):
    """The gateway's own copy of the sanctions list."""

    def is_listed(self, hosted_chain: str, address: str) -> bool:
        """True when `address` on `hosted_chain` is sanctioned."""
        ...


@dataclass
class PassReport:
    """What one pass did (for logs, the CLI and tests)."""

    observed: int = 0
    sent_txs: list[str] = field(default_factory=list)
    sent_keys: list[str] = field(default_factory=list)
    blocked_payouts: list[int] = field(default_factory=list)
    refused_payouts: dict[int, str] = field(default_factory=dict)
    """Withdrawal id → why it was not paid: what the node said failed verification."""
    paid: dict[int, str] = field(default_factory=dict)
    swept: dict[str, str] = field(default_factory=dict)
    reclaims: int = 0
    notes: list[str] = field(default_factory=list)


class Attester:
    """One custodian's gateway for one or more hosted chains."""

    def __init__(
        self,
        store: StateStore,
        sender: MessageSender,
        watchers: Sequence[DepositWatcher] = (),
        payers: Sequence[Payer] = (),
        screen: SanctionsScreen | None = None,
        start_height: int = 1,
        sweepers: Sequence[Sweeper] = (),
        verifier: VerifiedReader | None = None,
    ) -> None:
        """`store` must be entered (locked) by the caller; `start_height` is where withdrawal (and credited
        deposit) tracking begins when no cursor is saved yet. `verifier` checks what payouts, sweeps and reclaim
        reports rely on; without one, proofs are checked against the node's own app hash only (a devnet)."""
        self.store = store
        self.sender = sender
        self.node: NodeClient = sender.node
        self.verifier = verifier if verifier is not None else VerifiedReader(self.node, SingleNodeTrust(self.node.url))
        if isinstance(self.verifier.anchor, SingleNodeTrust):
            log.warning("state verification: %s", self.verifier.anchor.describe())
        else:
            log.info("state verification: %s", self.verifier.anchor.describe())
        self.watchers = list(watchers)
        self.payers = list(payers)
        self.sweepers = list(sweepers)
        self.screen = screen
        self.payouts = VerifiedPayouts(self.verifier, self.payers, screen)
        self.sweeps = VerifiedSweeps(self.verifier, self.sweepers)
        self.start_height = start_height
        self.state: BridgeState = store.load()

    def reload_state(self) -> None:
        """Forget what this process did since the last save and start again from the state file (after a failed
        pass: as if the gateway had been restarted)."""
        self.state = self.store.load()

    def run_once(self) -> PassReport:
        """One pass: settle in-flight txs, scan watchers, follow withdrawals and credits, pay, sweep, send the
        outbox."""
        report = PassReport()
        try:
            self.verifier.anchor.keep_fresh()
        except BridgeError as error:
            log.warning("trust anchor not refreshed: %s", error)
            report.notes.append(f"trust anchor not refreshed: {error}")
        self._settle_inflight(report)
        for watcher in self.watchers:
            self._scan(watcher, report)
        if self.payers or self.sweepers:
            hosted = self._hosted_chains()
            self._follow_blocks(report, hosted)
            self.payouts.pay(self.state, report)
            self.store.save(self.state)
            self.sweeps.sweep(self.state, report)
            self.store.save(self.state)
        self._send_outbox(report)
        return report

    def _hosted_chains(self) -> dict[str, str]:
        """Denom → hosted chain: the listed assets, and ugos on the GOS token's chain."""
        hosted = {a.denom: a.hosted_chain for a in self.node.assets()}
        hosted[GOS_DENOM] = self.node.gos_token_chain()
        return hosted

    # --- step 1: in-flight transactions -------------------------------------------------------------------

    def _settle_inflight(self, report: PassReport) -> None:
        for inflight in list(self.state.inflight):
            found = self.node.tx(inflight.tx_hash)
            if found is None:
                # Never reached the node (or was dropped): the keys stay in the outbox and are sent again.
                log.info("tx %s is unknown to the node; its messages will be resent", inflight.tx_hash)
            elif found.get("status") == "pending":
                continue
            elif found.get("code") == 0 or len(inflight.keys) == 1:
                # A lone message that failed (e.g. already attested, withdrawal already completed) will not
                # succeed on a retry either: it is done, and the reason is in the log.
                if found.get("code") != 0:
                    report.notes.append(f"{inflight.keys[0]}: refused by the chain: {found.get('log')}")
                self._complete(inflight.keys)
            else:
                self.state.single = sorted(set(self.state.single) | set(inflight.keys))
            self.state.inflight = [i for i in self.state.inflight if i.tx_hash != inflight.tx_hash]
            self.store.save(self.state)

    def _complete(self, keys: list[str]) -> None:
        self.state.mark_done(keys)
        self.state.outbox = [e for e in self.state.outbox if e.key not in keys]
        self.state.single = [k for k in self.state.single if k not in keys]

    # --- step 2: deposits -----------------------------------------------------------------------------------

    def _scan(self, watcher: DepositWatcher, report: PassReport) -> None:
        batch = watcher.scan(self.state.cursors.get(watcher.name))
        report.notes.extend(batch.notes)
        for deposit in batch.deposits:
            if self.state.is_known(deposit.key):
                continue
            if not is_valid_address(deposit.recipient):
                # The funds are in custody (or the tokens burned) but no GoStaking account can be credited: record
                # it for the operators (a custodian-signed redemption or release can return them) instead of
                # attesting garbage the chain would refuse.
                reason = f"recipient {deposit.recipient!r} is not a gos1 address"
                if deposit.key not in self.state.skipped:
                    log.warning(
                        "%s (%s %s from %s) not attested: %s",
                        deposit.key,
                        deposit.amount,
                        deposit.denom,
                        deposit.from_address,
                        reason,
                    )
                self.state.record_skipped(deposit.key, reason)
                report.notes.append(f"{deposit.key}: {reason}")
                continue
            self.state.outbox.append(OutboxEntry(deposit.key, deposit.to_msg()))
            report.observed += 1
        for key, reason in batch.refused.items():
            if key not in self.state.skipped:
                log.warning("%s not attested: %s", key, reason)
            self.state.record_skipped(key, reason)
            report.notes.append(f"{key}: {reason}")
        for reclaim in batch.reclaims:
            self._queue_reclaim(reclaim, report)
        self.state.cursors[watcher.name] = batch.cursor
        self.store.save(self.state)

    def _queue_reclaim(self, reclaim: ObservedReclaim, report: PassReport) -> None:
        """Report a reclaim of a deposit GoStaking knows (or this gateway attested); an output never attested
        (refused, or not a deposit at all) has nothing to debit."""
        if self.state.is_known(reclaim.key):
            return
        name = compute_deposit_key(reclaim.hosted_chain, reclaim.external_tx_id)
        proven = self.verifier.read([deposit_key(reclaim.hosted_chain, reclaim.external_tx_id)])
        found = proven.deposit(reclaim.hosted_chain, reclaim.external_tx_id)
        if found is None and not self.state.is_known(name):
            report.notes.append(f"{name}: taken back by its depositor in {reclaim.reclaim_tx_id}, never attested")
            return
        if found is not None and found.status == "reclaimed":
            return
        log.warning("%s was taken back by its depositor in %s: reporting it", name, reclaim.reclaim_tx_id)
        self.state.outbox.append(OutboxEntry(reclaim.key, reclaim.to_msg()))
        report.reclaims += 1

    # --- step 3: withdrawals and credits followed here, paid and swept by payouts.py ------------------------

    def _follow_blocks(self, report: PassReport, hosted: dict[str, str]) -> None:
        served = {d for d, chain in hosted.items() if self.payouts.payer_for(chain, d) is not None}
        swept = self.sweeps.hosted_chains
        saved = self.state.cursors.get(WITHDRAWALS_CURSOR)
        start = int(saved) + 1 if saved is not None else self.start_height
        top = min(self.node.height(), start + BLOCKS_PER_PASS - 1)
        for height in range(start, top + 1):
            block = self.node.block(height)
            if block is None:
                raise NodeApiError(f"block {height} is missing although the node is at a later height")
            for tx in block["txs"]:
                if tx["code"] == 0:
                    for event in tx["events"]:
                        if event["kind"] in DECODED_EVENTS:
                            wire = Event(event["kind"], tuple(event["attributes"].items()))
                            self._apply_event(decode_event(wire, DECODED_EVENTS), served, swept)
        if top >= start:
            self.state.cursors[WITHDRAWALS_CURSOR] = str(top)
            self.store.save(self.state)

    def _apply_event(self, event: ChainEvent, served: set[str], swept: set[str]) -> None:
        withdrawals = self.state.withdrawals
        match event:
            case DepositCreditedEvent(deposit=name, amount=amount):
                self._track_credit(name, amount, swept)
            case HoldResolvedEvent(deposit=str(name), outcome="credited"):
                self._track_credit(name, 0, swept)
            case DepositReclaimedEvent(deposit=name):
                self.state.deposits.pop(name, None)
            case WithdrawalRequestedEvent(id=withdrawal_id) if event.denom in served:
                withdrawals[withdrawal_id] = TrackedWithdrawal(
                    withdrawal_id, event.owner, event.denom, event.amount, event.to, event.status
                )
            case HoldResolvedEvent(withdrawal=int(withdrawal_id), outcome=outcome):
                if (tracked := withdrawals.get(withdrawal_id)) is not None:
                    tracked.status = outcome
            case WithdrawalCompletedEvent(id=withdrawal_id):
                if (tracked := withdrawals.get(withdrawal_id)) is not None:
                    tracked.status = "completed"
        # Finished withdrawals are forgotten: the chain keeps their record.
        for withdrawal_id in [i for i, w in withdrawals.items() if w.status in ("completed", "refunded")]:
            del withdrawals[withdrawal_id]

    def _track_credit(self, name: str, amount: int, swept: set[str]) -> None:
        hosted_chain, _, external_tx_id = name.partition(":")
        if hosted_chain in swept:
            self.state.deposits[name] = TrackedDeposit(hosted_chain, external_tx_id, amount)

    # --- step 4: the outbox ---------------------------------------------------------------------------------

    def _send_outbox(self, report: PassReport) -> None:
        inflight_keys = {k for i in self.state.inflight for k in i.keys}
        # Confirmations first, in every transaction and across them (see the module docstring); sorts are stable.
        ready = sorted(
            (e for e in self.state.outbox if e.key not in inflight_keys), key=lambda e: not _is_confirmation(e)
        )
        singles = set(self.state.single)
        groups: list[list[OutboxEntry]] = [[e] for e in ready if e.key in singles]
        batched = [e for e in ready if e.key not in singles]
        groups += [batched[i : i + MAX_MSGS_PER_TX] for i in range(0, len(batched), MAX_MSGS_PER_TX)]
        groups.sort(key=lambda group: not any(_is_confirmation(e) for e in group))
        for group in groups:
            msgs: list[Msg] = [e.msg for e in group]
            keys = [e.key for e in group]
            raw = self.sender.sign(msgs)
            hash_hex = tx_hash(raw).hex()
            self.state.inflight.append(InflightTx(hash_hex, keys))
            self.store.save(self.state)  # write-ahead: after a crash the node is asked about this hash
            try:
                self.node.submit(raw)
            except TxRejectedError as error:
                # Refused before entering the mempool (no fee paid): forget the attempt, retry next pass.
                self.state.inflight = [i for i in self.state.inflight if i.tx_hash != hash_hex]
                self.store.save(self.state)
                report.notes.append(f"tx with {', '.join(keys)} refused: {error}")
                continue
            report.sent_txs.append(hash_hex)
            report.sent_keys.extend(keys)


def _is_confirmation(entry: OutboxEntry) -> bool:
    return isinstance(entry.msg, MsgConfirmWithdrawal)
