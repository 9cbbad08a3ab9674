"""The gateway's persisted state: cursors, the outbox of messages to send, tracked withdrawals and the credited
deposits still to be swept.

One JSON file per gateway process, replaced atomically (write a temporary file, fsync, rename, fsync the
directory) so that a crash leaves either the old or the new state, never a torn one. An exclusive lock on a
sibling `.lock` file keeps a second process from running on the same state.
"""

from pathlib import Path
from typing import BinaryIO

import msgspec

from gostaking.bridge.errors import StateFileError
from gostaking.chain.types.tx import MsgAttestDeposit, MsgConfirmWithdrawal, MsgReportReclaim
from gostaking.files import FileLockedError, exclusive_lock, write_atomic

MAX_DONE_KEYS = 20_000
"""Keys of recently sent messages kept to avoid resending; older ones are covered by the cursors."""

OutboxMsg = MsgAttestDeposit | MsgConfirmWithdrawal | MsgReportReclaim


class OutboxEntry(msgspec.Struct, frozen=True):
    """A message the gateway has decided to send; `key` names what it is about (e.g. 'ethereum:0xab…:3')."""

    key: str
    msg: OutboxMsg


class InflightTx(msgspec.Struct, frozen=True):
    """A signed transaction that may have reached the node: its outcome is checked before anything is resent."""

    tx_hash: str
    keys: list[str]


class TrackedWithdrawal(msgspec.Struct):
    """A GoStaking withdrawal to a hosted chain this gateway serves, as learned from block events."""

    id: int
    owner: str
    denom: str
    amount: int
    to: str
    status: str
    """Chain status: pending, held, completed or refunded."""
    payout_tx: str = ""
    """Hosted-chain transaction that paid it, once final."""
    blocked: str = ""
    """Why the gateway refuses to pay it (e.g. the destination is on the local sanctions list)."""
    confirm_queued: bool = False


class TrackedDeposit(msgspec.Struct, frozen=True):
    """A deposit GoStaking credited on a hosted chain this gateway sweeps, as learned from block events; forgotten
    once its output is swept (final) or spent otherwise."""

    hosted_chain: str
    external_tx_id: str
    amount: int = 0
    """Units GoStaking credited (0 when the gateway learned of the credit without the amount: a released hold)."""

    @property
    def key(self) -> str:
        """'hosted_chain:external_tx_id', the chain's name for the deposit."""
        return f"{self.hosted_chain}:{self.external_tx_id}"


class BridgeState(msgspec.Struct):
    """Everything a gateway process persists."""

    cursors: dict[str, str] = msgspec.field(default_factory=dict)
    """Watcher name → where it resumes. Block watchers keep '<height>:<hash>' of the last block read, to notice a
    reorganization as deep as their confirmations; an EVM cursor written before that (the bare height) is upgraded
    by its watcher's next scan, which needs the node (the block's hash), so it is not converted on load."""
    outbox: list[OutboxEntry] = msgspec.field(default_factory=list)
    inflight: list[InflightTx] = msgspec.field(default_factory=list)
    done: list[str] = msgspec.field(default_factory=list)
    single: list[str] = msgspec.field(default_factory=list)
    """Keys whose batched transaction failed: they are resent one message per transaction."""
    withdrawals: dict[int, TrackedWithdrawal] = msgspec.field(default_factory=dict)
    deposits: dict[str, TrackedDeposit] = msgspec.field(default_factory=dict)
    """Credited deposits to sweep, by key (only with a sweeper; a state file without them reads as empty)."""
    skipped: dict[str, str] = msgspec.field(default_factory=dict)
    """Observations that cannot be attested (e.g. a recipient that is not a gos1 address, a Bitcoin output too close
    to its depositor's timelock), key → reason: the value is in custody (or burned, or back with its depositor)
    without a GoStaking owner, so operators must settle it by hand."""

    def is_known(self, key: str) -> bool:
        """True when a message for `key` was sent or is waiting to be sent."""
        return key in self.done or any(e.key == key for e in self.outbox)

    def mark_done(self, keys: list[str]) -> None:
        """Remember keys as sent, keeping the most recent MAX_DONE_KEYS."""
        known = set(self.done)
        fresh = [k for k in dict.fromkeys(keys) if k not in known]
        self.done = (self.done + fresh)[-MAX_DONE_KEYS:]

    def record_skipped(self, key: str, reason: str) -> None:
        """Remember why `key` was not attested, keeping the most recent MAX_DONE_KEYS (invalid recipients cost
        their sender a burn or a deposit, but the file must stay bounded whatever is sent to the contracts)."""
        self.skipped[key] = reason
        if len(self.skipped) > MAX_DONE_KEYS:
            self.skipped = dict(list(self.skipped.items())[-MAX_DONE_KEYS:])


_AS_UMASK_ALLOWS = 0o666
"""Mode of the gateway's files, less the operator's umask (as open() creates files): custodians may share a
signature board directory, so the umask, not this module, decides who else reads them."""


def write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data` (creating its folder if needed) so that a crash at any point leaves the old or the
    new content."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, data, _AS_UMASK_ALLOWS)


def create_atomically(path: Path, data: bytes) -> bool:
    """Create `path` with `data` unless it exists (then leave it and return False). Complete or absent after a
    crash, and exclusive between processes sharing the directory: of two writers racing, exactly one wins."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        write_atomic(path, data, _AS_UMASK_ALLOWS, exclusive=True)
    except FileExistsError:
        return False
    return True


class StateStore:
    """Load and save a BridgeState at `path`; use as a context manager to hold the process lock."""

    def __init__(self, path: Path) -> None:
        """A store for the state file at `path` (created on first save)."""
        self.path = path
        self._lock: BinaryIO | None = None

    def __enter__(self) -> "StateStore":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._lock = exclusive_lock(self.path.with_name(self.path.name + ".lock"))
        except FileLockedError:
            raise StateFileError(f"{self.path} is in use by another gateway process") from None
        return self

    def __exit__(self, *exc: object) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def load(self) -> BridgeState:
        """The saved state, or an empty one when the file does not exist yet."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return BridgeState()
        try:
            return msgspec.json.decode(raw, type=BridgeState)
        except msgspec.ValidationError as error:
            raise StateFileError(f"{self.path} is damaged or from another version: {error}") from error
        except msgspec.DecodeError as error:
            raise StateFileError(f"{self.path} is not valid JSON: {error}") from error

    def save(self, state: BridgeState) -> None:
        """Persist `state` atomically."""
        write_atomically(self.path, msgspec.json.format(msgspec.json.encode(state)) + b"\n")
