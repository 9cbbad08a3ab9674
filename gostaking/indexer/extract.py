"""From a committed block to index rows: pure functions, no SQL.

`extract_block` turns one StoredBlock into rows for every table and advances the running `Tally` (carried in
the cursor row between blocks). The same block and tally always give the same rows, which is what makes a
re-index reproduce an index exactly.

History rows (`account_activity`) link an address to what touched it:
- every message of every transaction (failed ones too) for its sender, with the message's amount and the fee
  on the first message;
- for successful transactions, the other side: the recipient of a transfer, the node operator receiving a
  vote or stake, reward settlements (`reward_paid`), and any other event naming an `address`;
- block-level events that concern an address: completed unbondings, candidate rewards, jailing and slashing.
Per-block mining-node rewards are not history rows (one per block per node would drown every other entry);
a node's earned total comes from the chain state.
"""

from dataclasses import dataclass, field
from typing import Any

import msgspec

from gostaking.chain.codec import decode_tx, tx_hash
from gostaking.chain.crypto import consensus_address, is_valid_address
from gostaking.chain.errors import ChainError
from gostaking.chain.numeric import GOS_DENOM, INDEX_ONE
from gostaking.chain.types.block import Event
from gostaking.chain.types.tx import Tx
from gostaking.node.blocks import StoredBlock

from .schema import ROW_ID_SHIFT

ROLE_SENDER = "sender"
ROLE_RECIPIENT = "recipient"
ROLE_NODE = "node"
ROLE_OWNER = "owner"

_BOND_EVENTS = ("vote", "stake", "unvote", "unstake")
_NODE_EVENTS = ("node_jailed", "node_unjailed", "node_slashed", "candidate_reward_paid", "last_validator_kept")
# Events whose `shares` attribute is GOS shares (amount = shares × index), not ugos.
_SHARE_EVENTS = ("reward_paid", "candidate_reward_paid", "unbonding_completed", "claim")
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


@dataclass(frozen=True)
class BurnRule:
    """The burn fraction from genesis: a burn multiplies the GOS index by (denominator - numerator) / denominator."""

    numerator: int
    denominator: int


def row_id(height: int, position: int) -> int:
    """Deterministic id of the `position`-th row of its kind in block `height`."""
    return (height << ROW_ID_SHIFT) | position


def shares_to_ugos(shares: int, gos_index: int) -> int:
    """GOS amount of `shares` at `gos_index`, rounded down like the chain does."""
    return shares * gos_index // INDEX_ONE


def msg_type(msg: msgspec.Struct) -> str:
    """The wire tag of a message ('send', 'vote'…), or its class name for an untagged struct."""
    tag = type(msg).__struct_config__.tag
    return tag if isinstance(tag, str) else type(msg).__name__


def _attrs(event: Event) -> dict[str, str]:
    return dict(event.attributes)


def _int(value: str | None) -> int:
    try:
        return int(value) if value is not None else 0
    except ValueError:
        return 0


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
        self.events_seen = 0

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
    # Begin-block events (burns) change the GOS index before any transaction or reward of this block runs.
    reward = 0
    for event in block.events:
        attrs = _attrs(event)
        if event.kind == "burn":
            tally.gos_index = tally.gos_index * (burn.denominator - burn.numerator) // burn.denominator
            tally.burned_ugos += _int(attrs.get("amount"))
        elif event.kind == "mint":
            reward += _int(attrs.get("amount"))
        elif event.kind == "node_slashed":
            tally.burned_ugos += _int(attrs.get("burned"))
    tally.minted_ugos += reward
    fees = 0
    failed = 0
    for index, (raw, result) in enumerate(zip(block.txs, block.tx_results, strict=True)):
        fees += result.fee
        failed += 1 if result.code else 0
        _extract_tx(builder, index, raw, result.code, result.log, result.fee, result.sender, result.events)
    for event in block.events:
        builder.event(event, None)
        _block_event_activity(builder, event)
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
    gos_index = builder.tally.gos_index
    claimed = sum(shares_to_ugos(_int(_attrs(e).get("shares")), gos_index) for e in tx_events if e.kind == "claim")
    if sender:
        if not msgs:
            builder.activity(sender, ROLE_SENDER, "tx", fee=fee, code=code, tx=where)
        for position, msg in enumerate(msgs):
            kind = msg_type(msg)
            counterparty, denom, amount = _msg_parties(msg)
            if kind == "claim":
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
    for event in tx_events:
        builder.event(event, where)
        _tx_event_activity(builder, event, sender, where, code)


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


def _tx_event_activity(builder: _Builder, event: Event, sender: str, where: tuple[str, int], code: int) -> None:
    """History rows for the parties of a transaction other than its sender."""
    attrs = _attrs(event)
    kind = event.kind
    gos_index = builder.tally.gos_index
    if kind == "transfer":
        recipient = attrs.get("recipient", "")
        if recipient and recipient != sender:
            builder.activity(
                recipient,
                ROLE_RECIPIENT,
                "receive",
                counterparty=attrs.get("sender", sender),
                denom=attrs.get("denom", ""),
                amount=attrs.get("amount", ""),
                code=code,
                tx=where,
            )
    elif kind in _BOND_EVENTS:
        node = attrs.get("node", "")
        if node and node != sender:
            builder.activity(
                node,
                ROLE_NODE,
                kind,
                counterparty=attrs.get("address", sender),
                denom=GOS_DENOM,
                amount=attrs.get("amount", ""),
                code=code,
                tx=where,
            )
    elif kind == "reward_paid":
        builder.activity(
            attrs.get("address", sender),
            ROLE_OWNER,
            kind,
            counterparty=attrs.get("pool", ""),
            denom=GOS_DENOM,
            amount=shares_to_ugos(_int(attrs.get("shares")), gos_index),
            code=code,
            tx=where,
        )
    elif kind == "node_registered":
        builder.rows.registrations.append(
            NodeRegistration(
                attrs.get("consensus", ""), attrs.get("operator", ""), attrs.get("moniker", ""), builder.height
            )
        )
    elif kind in _NODE_EVENTS:
        _node_event_activity(builder, event, where)
    elif kind not in ("claim", "lock", "unlock"):
        _generic_activity(builder, event, sender, where, code)


def _block_event_activity(builder: _Builder, event: Event) -> None:
    """History rows for block-level events that concern one address."""
    attrs = _attrs(event)
    if event.kind == "unbonding_completed":
        builder.activity(
            attrs.get("address", ""),
            ROLE_OWNER,
            event.kind,
            counterparty=attrs.get("node", ""),
            denom=GOS_DENOM,
            amount=shares_to_ugos(_int(attrs.get("shares")), builder.tally.gos_index),
        )
    elif event.kind in _NODE_EVENTS:
        _node_event_activity(builder, event, None)
    else:
        _generic_activity(builder, event, "", None, 0)


def _node_event_activity(builder: _Builder, event: Event, where: tuple[str, int] | None) -> None:
    attrs = _attrs(event)
    operator = attrs.get("node", "")
    if not operator:
        return
    amount: int | str = ""
    denom = ""
    if event.kind in _SHARE_EVENTS:
        amount, denom = shares_to_ugos(_int(attrs.get("shares")), builder.tally.gos_index), GOS_DENOM
    elif event.kind == "node_slashed":
        amount, denom = _int(attrs.get("burned")), GOS_DENOM
    builder.activity(operator, ROLE_NODE, event.kind, denom=denom, amount=amount, tx=where)


def _generic_activity(builder: _Builder, event: Event, sender: str, where: tuple[str, int] | None, code: int) -> None:
    """Events of modules this indexer does not know yet: a history row when they name an address."""
    attrs = _attrs(event)
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
