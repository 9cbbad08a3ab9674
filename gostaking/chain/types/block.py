"""Block-level inputs and outputs of the state transition."""

import msgspec


class Event(msgspec.Struct, frozen=True, array_like=True, gc=False):
    """Something that happened, for indexers and the explorer. Attribute values are strings.

    (`gc=False`, as for the results that hold events: values of strings and tuples of them cannot form reference
    cycles, and a block's thousands of results then leave the garbage collector nothing to traverse.)"""

    kind: str
    attributes: tuple[tuple[str, str], ...]


class Misbehavior(msgspec.Struct, frozen=True):
    """Evidence of a validator's fault, as decided by consensus (CometBFT's `Misbehavior`)."""

    kind: str
    """'duplicate_vote' (double sign) or 'light_client_attack'."""
    consensus_address: str
    """Upper-case hex consensus address of the faulty validator."""
    height: int
    """Height at which the fault was committed."""


class BlockEnv(msgspec.Struct, frozen=True):
    """Everything a block's execution may depend on besides state: all of it comes from the block header."""

    chain_id: str
    height: int
    time_ms: int
    """Block time from the header (used only for display, e.g. unbonding completion estimates)."""
    proposer: str = ""
    """Consensus address of the proposer."""
    signers: tuple[str, ...] = ()
    """Consensus addresses of the nodes that signed the previous block."""
    absent: tuple[str, ...] = ()
    """Consensus addresses of validators of the previous block that did not sign it (downtime tracking)."""
    misbehavior: tuple[Misbehavior, ...] = ()
    """Faults to punish in this block (double signing → slash and tombstone)."""


class TxResult(msgspec.Struct, frozen=True, gc=False):
    """Outcome of one transaction; code 0 is success."""

    code: int
    log: str
    tx_hash: bytes
    sender: str = ""
    fee: int = 0
    events: tuple[Event, ...] = ()


class ValidatorUpdate(msgspec.Struct, frozen=True):
    """A change of consensus power (0 removes the validator)."""

    consensus_pubkey: bytes
    power: int


class BlockResult(msgspec.Struct, frozen=True, gc=False):
    """Outcome of a block."""

    height: int
    tx_results: tuple[TxResult, ...]
    events: tuple[Event, ...]
    validator_updates: tuple[ValidatorUpdate, ...]
