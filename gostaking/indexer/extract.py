"""From a committed block to index rows: pure functions, no SQL.

`extract_block` turns one StoredBlock into rows for every table and advances the running `Tally` (carried in
the cursor row between blocks). The same block and tally always give the same rows, which is what makes a
re-index reproduce an index exactly.

History rows (`account_activity`) link an address to what touched it:
- every message of every transaction (failed ones too) for its sender, with the message's amount and the fee
  on the first message;
- for successful transactions, the other side: the recipient of a transfer, the node operator receiving a
  vote or stake, reward settlements (`reward_paid`), and any other event naming an `address`;
- block-level events that concern an address: completed unbondings, candidate rewards, jailing and slashing, and
  the order book's fills (`order_filled`, the owner's row: the base units traded).
Per-block mining-node rewards are not history rows (one per block per node would drown every other entry);
a node's earned total comes from the chain state.

A row's `kind` is its message's type (`message_kind`), its event's kind, or one of the index's own
`INDEX_ACTIVITY_KINDS`. Events are read as the chain's typed events (`decode_event`), matched by class, and GOS
amounts use the chain's own share and burn maths (bank queries), so a renamed event or attribute fails the
type check and the tests instead of silently dropping history rows.
"""

from dataclasses import dataclass, field
from typing import Any, TypeAlias

import msgspec

from gostaking.chain.codec import decode_tx, tx_hash
from gostaking.chain.crypto import consensus_address, is_valid_address
from gostaking.chain.errors import ChainError
from gostaking.chain.events import ChainEvent, decode_event
from gostaking.chain.modules.bank.events import NewBalanceFeeEvent, TransferEvent
from gostaking.chain.modules.bank.queries import compute_index_after_burn, compute_shares_to_ugos
from gostaking.chain.modules.book.events import AuctionClearedEvent, OrderFilledEvent, OrderPlacedEvent
from gostaking.chain.modules.emission.events import BurnEvent, MintEvent
from gostaking.chain.modules.lock.events import LockEvent, UnlockEvent
from gostaking.chain.modules.mining.events import RewardPaidEvent
from gostaking.chain.modules.nodes.events import (
    CandidateRewardPaidEvent,
    LastValidatorKeptEvent,
    NodeJailedEvent,
    NodeRegisteredEvent,
    NodeUnjailedEvent,
)
from gostaking.chain.modules.staking.events import (
    ClaimEvent,
    NodeSlashedEvent,
    StakeEvent,
    UnbondingCompletedEvent,
    UnstakeEvent,
    UnvoteEvent,
    VoteEvent,
)
from gostaking.chain.numeric import GOS_DENOM, INDEX_ONE
from gostaking.chain.state import registry_of
from gostaking.chain.types.block import Event
from gostaking.chain.types.tx import MsgClaimRewards, Tx
from gostaking.node.blocks import StoredBlock

from .book import BookRows
from .schema import ROW_ID_SHIFT

ROLE_SENDER = "sender"
ROLE_RECIPIENT = "recipient"
ROLE_NODE = "node"
ROLE_OWNER = "owner"

ACTIVITY_RECEIVE = "receive"
"""History kind of a transfer's recipient (the sender's row has its message's kind, e.g. send)."""
ACTIVITY_TX = "tx"
"""History kind of the sender of a transaction whose messages could not be decoded."""
INDEX_ACTIVITY_KINDS = (ACTIVITY_RECEIVE, ACTIVITY_TX)
"""The history kinds the index writes that are neither a message type nor an event kind."""

_EVENT_TYPES = registry_of(None).events
_NodeEvent: TypeAlias = (
    NodeJailedEvent | NodeUnjailedEvent | NodeSlashedEvent | CandidateRewardPaidEvent | LastValidatorKeptEvent
)
"""Events whose `node` operator gets a history row."""
_COUNTERPARTY_FIELDS = ("to", "node", "recipient", "address", "external_address")
_PARTY_ATTRIBUTES = ("address", "recipient")
VALIDATOR_UPDATE_DELAY = 2
"""CometBFT applies validator updates returned by block H from block H + 2 on."""


@dataclass
class Tally:
    """What the indexer carries from one block to the next (persisted in the cursor row)."""

    height: int = 0
    block_hash: str = ""
    gos_index: int = INDEX_ONE
    minted_ugos: int = 0
    burned_ugos: int = 0
    txs_total: int = 0
    events_total: int = 0
    activity_total: int = 0
    validators: list[str] = field(default_factory=list)
    """Consensus addresses expected to sign block `height` (the genesis nodes before block 1)."""
    pending_updates: list[tuple[int, str, int]] = field(default_factory=list)
    """(height from which it applies, consensus address, power) of validator updates not yet in effect."""


@dataclass(frozen=True)
class NodeRegistration:
    """A consensus address and who runs it."""

    consensus_address: str
    operator: str
    moniker: str
    height: int


@dataclass
class BlockRows:
    """Everything one block adds to the index."""

    block: dict[str, Any]
    txs: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    activity: list[dict[str, Any]] = field(default_factory=list)
    registrations: list[NodeRegistration] = field(default_factory=list)
    signatures: list[dict[str, Any]] = field(default_factory=list)
    """Rows for the previous block: who was expected to sign it and who did."""
    proposer: str = ""
    book: BookRows = field(default_factory=BookRows)
    """The order book's orders, trades and fills."""


@dataclass(frozen=True)
class BurnRule:
    """The burn fraction from genesis (a burn moves the GOS index as the chain's `compute_index_after_burn` says)."""

    numerator: int
    denominator: int


def row_id(height: int, position: int) -> int:
    """Deterministic id of the `position`-th row of its kind in block `height`."""
    return (height << ROW_ID_SHIFT) | position


def message_kind(message: type[msgspec.Struct]) -> str:
    """The wire tag of a message type ('send' for MsgSendCoins…), or its class name for an untagged struct: the
    history kind of its sender's row."""
    tag = message.__struct_config__.tag
    return tag if isinstance(tag, str) else message.__name__


def msg_type(msg: msgspec.Struct) -> str:
    """The wire tag of a message ('send', 'vote'…), or its class name for an untagged struct."""
    return message_kind(type(msg))


def _typed(event: Event) -> ChainEvent | None:
    """The chain's typed value of a wire event; None for a kind its registry does not list."""
    return decode_event(event, _EVENT_TYPES) if event.kind in _EVENT_TYPES else None


def _decode(raw: bytes) -> Tx | None:
    try:
        return decode_tx(raw)
    except ChainError:
        return None  # an undecodable tx can still be in a block (its result says why it failed)


class _Builder:
    """Accumulates the rows of one block, numbering them in order."""

    def __init__(self, block: StoredBlock, tally: Tally) -> None:
        self.block = block
        self.height = block.height
        self.time_ms = block.header.time_ms
        self.tally = tally
        self.rows = BlockRows(block={})

    def activity(
        self,
        address: str,
        role: str,
        kind: str,
        *,
        counterparty: str = "",
        denom: str = "",
        amount: int | str = "",
        fee: int = 0,
        code: int = 0,
        tx: tuple[str, int] | None = None,
        msg_index: int | None = None,
    ) -> dict[str, Any]:
        row = {
            "id": row_id(self.height, len(self.rows.activity)),
            "address": address,
            "height": self.height,
            "time_ms": self.time_ms,
            "tx_hash": tx[0] if tx else None,
            "tx_index": tx[1] if tx else None,
            "msg_index": msg_index,
            "role": role,
            "kind": kind,
            "counterparty": counterparty,
            "denom": denom,
            "amount": str(amount),
            "fee_ugos": fee,
            "code": code,
        }
        self.rows.activity.append(row)
        return row

    def ugos(self, shares: int) -> int:
        """The GOS worth of `shares` at this block's GOS index (as the chain converts them)."""
        return compute_shares_to_ugos(shares, self.tally.gos_index)

    def owner_activity(
        self,
        event: ChainEvent,
        address: str,
        counterparty: str,
        shares: int,
        *,
        code: int = 0,
        tx: tuple[str, int] | None = None,
    ) -> None:
        """The row of `address` receiving the GOS worth of `shares` through `event` (a reward paid, an unbonding
        completed), from `counterparty` (the pool, the node)."""
        self.activity(
            address,
            ROLE_OWNER,
            event.event_kind(),
            counterparty=counterparty,
            denom=GOS_DENOM,
            amount=self.ugos(shares),
            code=code,
            tx=tx,
        )

    def event(self, event: Event, tx: tuple[str, int] | None) -> None:
        self.rows.events.append(
            {
                "id": row_id(self.height, len(self.rows.events)),
                "height": self.height,
                "tx_index": tx[1] if tx else None,
                "tx_hash": tx[0] if tx else None,
                "kind": event.kind,
                "attributes": msgspec.json.encode(dict(event.attributes)).decode(),
            }
        )


def extract_block(block: StoredBlock, tally: Tally, burn: BurnRule) -> BlockRows:
    """The index rows of `block` (which must follow `tally.height`); advances `tally` to this block."""
    if block.height != tally.height + 1:
        raise ValueError(f"block {block.height} does not follow the indexed height {tally.height}")
    builder = _Builder(block, tally)
    block_events = [(event, _typed(event)) for event in block.events]
    # Begin-block events (burns) change the GOS index before any transaction or reward of this block runs.
    reward = 0
    for _, typed in block_events:
        match typed:
            case BurnEvent(amount=amount):
                tally.gos_index = compute_index_after_burn(tally.gos_index, burn.numerator, burn.denominator)
                tally.burned_ugos += amount
            case MintEvent(amount=amount):
                reward += amount
            case NodeSlashedEvent(burned=burned):
                tally.burned_ugos += burned
    tally.minted_ugos += reward
    fees = 0
    failed = 0
    for index, (raw, result) in enumerate(zip(block.txs, block.tx_results, strict=True)):
        fees += result.fee
        failed += 1 if result.code else 0
        _extract_tx(builder, index, raw, result.code, result.log, result.fee, result.sender, result.events)
    for event, typed in block_events:
        builder.event(event, None)
        _block_event_activity(builder, event, typed)
    _track_validators(builder)
    header = block.header
    builder.rows.block = {
        "height": block.height,
        "hash": block.hash.hex(),
        "time_ms": header.time_ms,
        "proposer": header.proposer,
        "num_txs": len(block.txs),
        "num_failed_txs": failed,
        "num_events": len(builder.rows.events),
        "fees_ugos": fees,
        "reward_ugos": reward,
        "supply_ugos": tally.minted_ugos - tally.burned_ugos,
        "burned_ugos": tally.burned_ugos,
        "app_hash": header.app_hash.hex(),
    }
    builder.rows.proposer = header.proposer
    tally.height = block.height
    tally.block_hash = builder.rows.block["hash"]
    tally.txs_total += len(builder.rows.txs)
    tally.events_total += len(builder.rows.events)
    tally.activity_total += len(builder.rows.activity)
    return builder.rows


def _extract_tx(
    builder: _Builder,
    index: int,
    raw: bytes,
    code: int,
    log: str,
    fee: int,
    result_sender: str,
    tx_events: tuple[Event, ...],
) -> None:
    hash_hex = tx_hash(raw).hex()
    tx = _decode(raw)
    sender = tx.body.sender if tx is not None else result_sender
    msgs = list(tx.body.msgs) if tx is not None else []
    types = [msg_type(m) for m in msgs]
    builder.rows.txs.append(
        {
            "id": row_id(builder.height, index),
            "hash": hash_hex,
            "height": builder.height,
            "idx": index,
            "time_ms": builder.time_ms,
            "sender": sender,
            "fee_ugos": fee,
            "code": code,
            "log": log,
            "msg_types": ",".join(types)[:255],
            "num_msgs": len(msgs),
            "memo": tx.body.memo if tx is not None else "",
            "size_bytes": len(raw),
        }
    )
    where = (hash_hex, index)
    events = [(event, _typed(event)) for event in tx_events]
    claimed = sum(builder.ugos(e.shares) for _, e in events if isinstance(e, ClaimEvent))
    if sender:
        if not msgs:
            builder.activity(sender, ROLE_SENDER, ACTIVITY_TX, fee=fee, code=code, tx=where)
        for position, msg in enumerate(msgs):
            kind = msg_type(msg)
            counterparty, denom, amount = _msg_parties(msg)
            if isinstance(msg, MsgClaimRewards):
                amount, denom = (claimed, GOS_DENOM) if code == 0 else ("", "")
            builder.activity(
                sender,
                ROLE_SENDER,
                kind,
                counterparty=counterparty,
                denom=denom,
                amount=amount,
                fee=fee if position == 0 else 0,
                code=code,
                tx=where,
                msg_index=position,
            )
    for event, typed in events:
        builder.event(event, where)
        _tx_event_activity(builder, event, typed, sender, where, code)


def _msg_parties(msg: msgspec.Struct) -> tuple[str, str, int | str]:
    """(counterparty, denom, amount) of a message, read by field name so new message types need no code here:
    `amount` with its `denom` (GOS when the message has none, as votes and stakes), else a GOS `deposit` or
    `escrow` (governance)."""
    counterparty = next((str(v) for f in _COUNTERPARTY_FIELDS if isinstance(v := getattr(msg, f, None), str) and v), "")
    amount = getattr(msg, "amount", None)
    if isinstance(amount, int):
        return counterparty, str(getattr(msg, "denom", GOS_DENOM)), amount
    for field_name in ("deposit", "escrow"):
        value = getattr(msg, field_name, None)
        if isinstance(value, int) and value:
            return counterparty, GOS_DENOM, value
    return counterparty, "", ""


def _tx_event_activity(
    builder: _Builder, event: Event, typed: ChainEvent | None, sender: str, where: tuple[str, int], code: int
) -> None:
    """History rows for the parties of a transaction other than its sender."""
    match typed:
        case TransferEvent(sender=payer, recipient=recipient, denom=denom, amount=amount):
            if recipient and recipient != sender:
                builder.activity(
                    recipient,
                    ROLE_RECIPIENT,
                    ACTIVITY_RECEIVE,
                    counterparty=payer,
                    denom=denom,
                    amount=amount,
                    code=code,
                    tx=where,
                )
        case NewBalanceFeeEvent(payer=payer, recipient=recipient, fee_ugos=fee_ugos):
            # The payer's cost, not the recipient's: one row for the payer, none for the recipient.
            builder.activity(
                payer,
                ROLE_SENDER,
                typed.event_kind(),
                counterparty=recipient,
                denom=GOS_DENOM,
                amount=fee_ugos,
                code=code,
                tx=where,
            )
        case VoteEvent() | StakeEvent() | UnvoteEvent() | UnstakeEvent():
            if typed.node and typed.node != sender:
                builder.activity(
                    typed.node,
                    ROLE_NODE,
                    typed.event_kind(),
                    counterparty=typed.address,
                    denom=GOS_DENOM,
                    amount=typed.amount,
                    code=code,
                    tx=where,
                )
        case RewardPaidEvent(address=address, pool=pool, shares=shares):
            builder.owner_activity(typed, address, pool, shares, code=code, tx=where)
        case NodeRegisteredEvent(operator=operator, moniker=moniker, consensus=consensus):
            builder.rows.registrations.append(NodeRegistration(consensus, operator, moniker, builder.height))
        case OrderPlacedEvent():
            builder.rows.book.add(typed, builder.height, builder.time_ms, where[0])
        case ClaimEvent() | LockEvent() | UnlockEvent():
            pass  # the sender's own message row has it all
        case _ if isinstance(typed, _NodeEvent):
            _node_event_activity(builder, typed, where)
        case _:
            _generic_activity(builder, event, sender, where, code)


def _block_event_activity(builder: _Builder, event: Event, typed: ChainEvent | None) -> None:
    """History rows for block-level events that concern one address."""
    match typed:
        case UnbondingCompletedEvent(address=address, node=node, shares=shares):
            builder.owner_activity(typed, address, node, shares)
        case OrderFilledEvent(owner=owner, market=market, quantity=quantity):
            builder.rows.book.add(typed, builder.height, builder.time_ms, None)
            builder.activity(owner, ROLE_OWNER, typed.event_kind(), denom=market, amount=quantity)
        case AuctionClearedEvent() | OrderPlacedEvent():
            builder.rows.book.add(typed, builder.height, builder.time_ms, None)
        case _ if isinstance(typed, _NodeEvent):
            _node_event_activity(builder, typed, None)
        case _:
            _generic_activity(builder, event, "", None, 0)


def _node_event_activity(builder: _Builder, event: _NodeEvent, where: tuple[str, int] | None) -> None:
    if not event.node:
        return
    amount: int | str = ""
    denom = ""
    match event:
        case CandidateRewardPaidEvent(shares=shares):
            amount, denom = builder.ugos(shares), GOS_DENOM
        case NodeSlashedEvent(burned=burned):
            amount, denom = burned, GOS_DENOM
    builder.activity(event.node, ROLE_NODE, event.event_kind(), denom=denom, amount=amount, tx=where)


def _generic_activity(builder: _Builder, event: Event, sender: str, where: tuple[str, int] | None, code: int) -> None:
    """Events of modules this indexer does not know yet: a history row when they name an address."""
    attrs = dict(event.attributes)
    amount = attrs.get("amount", "")
    denom = attrs.get("denom", GOS_DENOM if amount and "shares" not in attrs else "")
    seen = {sender}
    for name in _PARTY_ATTRIBUTES:
        address = attrs.get(name, "")
        if address in seen or not is_valid_address(address):
            continue
        seen.add(address)
        role = ROLE_RECIPIENT if name == "recipient" else ROLE_OWNER
        builder.activity(address, role, event.kind, denom=denom, amount=amount, code=code, tx=where)


def _track_validators(builder: _Builder) -> None:
    """Signature rows for the previous block, then move `tally.validators` on to the set of this block.

    On entry `tally.validators` is the set that was expected to sign block h - 1; block h carries the
    signatures of block h - 1 (its LastCommit).
    """
    block = builder.block
    tally = builder.tally
    if block.height > 1:
        expected = set(tally.validators)
        signed = set(block.signers)
        for address in sorted(expected | signed):
            builder.rows.signatures.append(
                {
                    "consensus_address": address,
                    "height": block.height - 1,
                    "signed": address in signed,
                    "expected": address in expected,
                }
            )
    due = [u for u in tally.pending_updates if u[0] <= block.height]
    if due:
        current = set(tally.validators)
        for _, address, power in due:
            if power > 0:
                current.add(address)
            else:
                current.discard(address)
        tally.validators = sorted(current)
        tally.pending_updates = [u for u in tally.pending_updates if u[0] > block.height]
    for update in block.validator_updates:
        address = consensus_address(update.consensus_pubkey)
        tally.pending_updates.append((block.height + VALIDATOR_UPDATE_DELAY, address, update.power))
