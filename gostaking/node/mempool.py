"""The mempool: verified transactions waiting for a block, the highest fee first.

Each sender may queue several transactions with consecutive sequences (n, n+1, …) before any is included;
the mempool remembers the next sequence it expects per sender so the app can check a new transaction
against it instead of the committed account sequence. After every commit `update` drops what the block
included and what the new state made invalid (used sequences, fees no longer affordable).

Spam costs what it takes. A sender may have at most `max_per_sender` transactions waiting (one account cannot
fill the pool), blocks take the highest fees first (`reap`), and a full pool makes room for a transaction only by
evicting ones that pay less: a newcomer paying the minimum fee is refused with MempoolFullError (the API answers
429 with Retry-After) rather than pushing out transactions already accepted at that fee. The chain's minimum fee
is per transaction, not per byte, so the priority is the fee itself; equal fees keep their arrival order.
Evicted and dropped transactions are remembered for a while (`dropped_reason`) so their senders learn why.

Thread-safe: the API (check_tx), the producer (reap) and commit (update) run on different threads.
"""

import heapq
import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Set
from dataclasses import dataclass, field
from typing import Protocol

DEFAULT_MAX_TXS = 5_000
DEFAULT_MAX_BYTES = 16 * 1024 * 1024
DEFAULT_MAX_PER_SENDER = 64
"""Transactions one sender may have waiting (Ethereum's txpool keeps 16 executable per account when it is full;
64 lets a wallet or an exchange queue a burst within one block time)."""
DROPPED_MEMORY = 10_000
"""How many evicted or dropped transactions' reasons the mempool remembers (oldest forgotten first)."""


_AFTER_A_GAP = "an earlier transaction of its sender left the mempool, so its sequence no longer follows"


class MempoolError(Exception):
    """A transaction the mempool will not take. `code` continues the chain's error codes (100+ = node)."""

    code = 100


class MempoolFullError(MempoolError):
    """The mempool holds its maximum number of transactions or bytes."""

    code = 101


class DuplicateTxError(MempoolError):
    """The same transaction (same hash) is already waiting in the mempool."""

    code = 102


class SenderLimitError(MempoolFullError):
    """The sender already has the most transactions one account may have waiting."""

    code = 104


class MempoolJournal(Protocol):
    """Where a mempool keeps a durable copy of what it holds (storage.PendingTxJournal on a devnet node)."""

    def record(self, tx_hash: bytes, raw: bytes) -> None:
        """Persist a transaction just added."""

    def keep_only(self, tx_hashes: Set[bytes]) -> None:
        """Forget every transaction not in `tx_hashes`."""

    def load(self) -> list[bytes]:
        """The recorded transactions, oldest first (to replay after a restart)."""


@dataclass(frozen=True, slots=True)
class MempoolTx:
    """A verified transaction and the facts the mempool orders and rechecks it by."""

    raw: bytes
    tx_hash: bytes
    sender: str
    sequence: int
    fee: int
    arrival: int = field(default=0, compare=False)
    """Position in arrival order, set by `Mempool.add` (ties between equal fees go to the earlier one)."""


class Mempool:
    """Pending transactions by fee, with per-sender sequence tracking, per-sender and total limits."""

    def __init__(
        self,
        max_txs: int = DEFAULT_MAX_TXS,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_per_sender: int = DEFAULT_MAX_PER_SENDER,
        journal: MempoolJournal | None = None,
    ) -> None:
        """An empty mempool holding at most `max_txs` transactions and `max_bytes` bytes of them, at most
        `max_per_sender` of one sender; with a `journal`, each transaction is on disk before `add` returns and
        forgotten there once it leaves (the owner replays the journal after a restart)."""
        if max_txs < 1 or max_bytes < 1 or max_per_sender < 1:
            raise ValueError("mempool limits must be positive")
        self.max_txs = max_txs
        self.max_bytes = max_bytes
        self.max_per_sender = max_per_sender
        self._lock = threading.RLock()
        self._by_hash: OrderedDict[bytes, MempoolTx] = OrderedDict()
        # Per sender, their pending txs in sequence order (always consecutive).
        self._by_sender: dict[str, list[MempoolTx]] = {}
        self._fees: dict[str, int] = {}
        """Per sender, the sum of its pending transactions' fees (CheckTx asks for it for every transaction)."""
        self._bytes = 0
        self._arrivals = itertools.count()
        self._dropped: OrderedDict[bytes, str] = OrderedDict()
        self.journal = journal

    def __len__(self) -> int:
        with self._lock:
            return len(self._by_hash)

    @property
    def size_bytes(self) -> int:
        """Total bytes of the pending transactions."""
        with self._lock:
            return self._bytes

    def get(self, tx_hash: bytes) -> MempoolTx | None:
        """The pending transaction with this hash, or None."""
        with self._lock:
            return self._by_hash.get(tx_hash)

    def next_sequence(self, sender: str) -> int | None:
        """The sequence the sender's next transaction must carry, or None when it has nothing pending."""
        with self._lock:
            pending = self._by_sender.get(sender)
            return pending[-1].sequence + 1 if pending else None

    def last_of(self, sender: str) -> MempoolTx | None:
        """The sender's latest pending transaction (the highest sequence), or None."""
        with self._lock:
            pending = self._by_sender.get(sender)
            return pending[-1] if pending else None

    def pending_fees(self, sender: str) -> int:
        """Sum of the fees of the sender's pending transactions (they will all be charged)."""
        with self._lock:
            return self._fees.get(sender, 0)

    def check_room(self, sender: str, fee: int, size: int) -> None:
        """Raise what `add` would raise for lack of room (SenderLimitError, MempoolFullError), without adding:
        lets the app refuse a transaction before the cost of verifying it."""
        with self._lock:
            self._plan_room(sender, fee, size)

    def add(self, tx: MempoolTx) -> list[MempoolTx]:
        """Queue a verified transaction whose sequence follows the sender's pending ones; returns the
        transactions evicted to make room for it (lower fees, see the module docstring).

        Raises DuplicateTxError, SenderLimitError, MempoolFullError, or ValueError if the sequence does not
        follow (the app checks sequences before calling, so that is a bug in the caller).
        """
        with self._lock:
            if tx.tx_hash in self._by_hash:
                raise DuplicateTxError(f"transaction {tx.tx_hash.hex()} is already in the mempool")
            expected = self.next_sequence(tx.sender)
            if expected is not None and tx.sequence != expected:
                raise ValueError(f"sequence {tx.sequence} does not follow pending {expected - 1}")
            evicted = self._plan_room(tx.sender, tx.fee, len(tx.raw))
            for victim in evicted:
                self._remove(victim)
                self._remember(victim, f"evicted from a full mempool by a transaction paying more than {victim.fee}")
            tx = MempoolTx(tx.raw, tx.tx_hash, tx.sender, tx.sequence, tx.fee, next(self._arrivals))
            self._by_hash[tx.tx_hash] = tx
            self._by_sender.setdefault(tx.sender, []).append(tx)
            self._fees[tx.sender] = self._fees.get(tx.sender, 0) + tx.fee
            self._bytes += len(tx.raw)
            self._dropped.pop(tx.tx_hash, None)
            if self.journal is not None:
                if evicted:
                    self.journal.keep_only(self._by_hash.keys())
                self.journal.record(tx.tx_hash, tx.raw)
            return evicted

    def reap(self, max_txs: int, max_bytes: int, size_of: Callable[[bytes], int] = len) -> list[bytes]:
        """Up to `max_txs` transactions totalling at most `max_bytes` (each counted as `size_of` it), the highest
        fee first (equal fees in arrival order), without removing them.

        A sender's transactions keep their sequence order: a transaction is a candidate once the sender's
        earlier ones are taken, and once one does not fit the sender's later ones are skipped too (they would
        fail with a sequence gap).
        """
        out: list[bytes] = []
        total = 0
        with self._lock:
            # The heads of the senders' queues, best first; taking a head makes the sender's next one a head.
            heads = [(-queue[0].fee, queue[0].arrival, sender, 0) for sender, queue in self._by_sender.items()]
            heapq.heapify(heads)
            while heads and len(out) < max_txs:
                _, _, sender, position = heapq.heappop(heads)
                queue = self._by_sender[sender]
                tx = queue[position]
                size = size_of(tx.raw)
                if total + size > max_bytes:
                    continue  # the sender is blocked for this block
                out.append(tx.raw)
                total += size
                if position + 1 < len(queue):
                    after = queue[position + 1]
                    heapq.heappush(heads, (-after.fee, after.arrival, sender, position + 1))
        return out

    def dropped_reason(self, tx_hash: bytes) -> str | None:
        """Why a transaction this mempool accepted left it without being included (evicted, or invalid after a
        commit), if it is still remembered; None otherwise."""
        with self._lock:
            return self._dropped.get(tx_hash)

    def update(
        self,
        included: Iterable[bytes],
        account_sequence: Callable[[str], int],
        spendable_fee_ugos: Callable[[str], int],
    ) -> int:
        """After a commit: drop included transactions and those the new state makes invalid.

        `account_sequence(sender)` is the committed next sequence; `spendable_fee_ugos(sender)` the liquid GOS
        the sender can pay fees with. Transactions with a used sequence are dropped, and a sender's queue is
        cut at the first one out of line or whose cumulative fee is no longer affordable. Returns the number
        of transactions dropped.
        """
        with self._lock:
            dropped = 0
            touched: set[str] = set()
            for tx_hash in included:
                tx = self._by_hash.get(tx_hash)
                if tx is not None:
                    self._remove(tx)
                    touched.add(tx.sender)
                    dropped += 1
            # Every sender is rechecked, not only those in the block: their balance may have changed through
            # someone else's transaction (or rewards), and sequences only ever move forward.
            for sender in list(self._by_sender):
                dropped += self._recheck_sender(sender, account_sequence(sender), spendable_fee_ugos(sender))
            self._sync_journal()
            return dropped

    def hashes(self) -> list[bytes]:
        """Hashes of the pending transactions, oldest first."""
        with self._lock:
            return list(self._by_hash)

    def drop(self, tx_hash: bytes, reason: str) -> int:
        """Remove a pending transaction and the sender's later ones (they would follow a sequence gap), and
        remember why (`reason` for it, its absence for the later ones).

        Returns the number removed (0 if the hash is not pending).
        """
        with self._lock:
            tx = self._by_hash.get(tx_hash)
            if tx is None:
                return 0
            queue = self._by_sender[tx.sender]
            stale = queue[queue.index(tx) :]
            for item in stale:
                self._remove(item)
                self._remember(item, reason if item is tx else _AFTER_A_GAP)
            self._sync_journal()
            return len(stale)

    def clear(self) -> None:
        """Drop every pending transaction (a CometBFT driver whose consensus engine went away)."""
        with self._lock:
            self._by_hash.clear()
            self._by_sender.clear()
            self._fees.clear()
            self._bytes = 0
            self._sync_journal()

    def _recheck_sender(self, sender: str, next_sequence: int, spendable: int) -> int:
        pending = self._by_sender.get(sender, [])
        # Sequences already used (e.g. by a tx with the same sequence that reached a block another way).
        used = [tx for tx in pending if tx.sequence < next_sequence]
        keep: list[MempoolTx] = []
        expected = next_sequence
        fees = 0
        for tx in pending[len(used) :]:
            fees += tx.fee
            if tx.sequence != expected or fees > spendable:
                break
            keep.append(tx)
            expected += 1
        cut = pending[len(used) + len(keep) :]
        for tx in used:
            self._remove(tx)
            self._remember(tx, f"sequence {tx.sequence} was used by another transaction of {sender}")
        for tx in cut:
            self._remove(tx)
            if tx is cut[0] and tx.sequence == expected:
                self._remember(tx, f"{sender} can no longer pay the fees of its waiting transactions")
            else:
                self._remember(tx, _AFTER_A_GAP)
        return len(used) + len(cut)

    def _plan_room(self, sender: str, fee: int, size: int) -> list[MempoolTx]:
        """The transactions to evict so that one of `size` bytes paying `fee` fits: the tails of other senders'
        queues paying less, the lowest fee first (the newest first among equal fees). Raises SenderLimitError
        or MempoolFullError when no such set exists."""
        waiting = len(self._by_sender.get(sender, ()))
        if waiting >= self.max_per_sender:
            raise SenderLimitError(
                f"{sender} already has {waiting} transactions waiting, the most one account may; "
                "send more once a block has included some"
            )
        count_over = len(self._by_hash) + 1 - self.max_txs
        bytes_over = self._bytes + size - self.max_bytes
        if count_over <= 0 and bytes_over <= 0:
            return []
        limit = f"{self.max_txs} transactions" if count_over > 0 else f"{self.max_bytes} bytes"
        tails = [
            (queue[-1].fee, -queue[-1].arrival, other, len(queue) - 1)
            for other, queue in self._by_sender.items()
            if other != sender  # the sender's own tail is what its new transaction follows
        ]
        heapq.heapify(tails)
        evicted: list[MempoolTx] = []
        while count_over > 0 or bytes_over > 0:
            if not tails or tails[0][0] >= fee:
                raise MempoolFullError(
                    f"mempool is full ({limit}) of transactions paying at least {fee} ugos; "
                    "try again later or pay a higher fee"
                )
            _, _, other, position = heapq.heappop(tails)
            victim = self._by_sender[other][position]
            evicted.append(victim)
            count_over -= 1
            bytes_over -= len(victim.raw)
            if position > 0:
                before = self._by_sender[other][position - 1]
                heapq.heappush(tails, (before.fee, -before.arrival, other, position - 1))
        return evicted

    def _sync_journal(self) -> None:
        if self.journal is not None:
            self.journal.keep_only(self._by_hash.keys())

    def _remember(self, tx: MempoolTx, reason: str) -> None:
        self._dropped[tx.tx_hash] = reason
        while len(self._dropped) > DROPPED_MEMORY:
            self._dropped.popitem(last=False)

    def _remove(self, tx: MempoolTx) -> None:
        del self._by_hash[tx.tx_hash]
        self._bytes -= len(tx.raw)
        queue = self._by_sender[tx.sender]
        queue.remove(tx)
        self._fees[tx.sender] -= tx.fee
        if not queue:
            del self._by_sender[tx.sender]
            del self._fees[tx.sender]
