"""The mempool: verified transactions waiting for a block, in arrival order.

Each sender may queue several transactions with consecutive sequences (n, n+1, …) before any is included;
the mempool remembers the next sequence it expects per sender so the app can check a new transaction
against it instead of the committed account sequence. After every commit `update` drops what the block
included and what the new state made invalid (used sequences, fees no longer affordable).

Thread-safe: the API (check_tx), the producer (reap) and commit (update) run on different threads.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

DEFAULT_MAX_TXS = 5_000
DEFAULT_MAX_BYTES = 16 * 1024 * 1024


class MempoolError(Exception):
    """A transaction the mempool will not take. `code` continues the chain's error codes (100+ = node)."""

    code = 100


class MempoolFullError(MempoolError):
    """The mempool holds its maximum number of transactions or bytes."""

    code = 101


class DuplicateTxError(MempoolError):
    """The same transaction (same hash) is already waiting in the mempool."""

    code = 102


@dataclass(frozen=True, slots=True)
class MempoolTx:
    """A verified transaction and the facts the mempool orders and rechecks it by."""

    raw: bytes
    tx_hash: bytes
    sender: str
    sequence: int
    fee: int


class Mempool:
    """FIFO of pending transactions with per-sender sequence tracking and size limits."""

    def __init__(self, max_txs: int = DEFAULT_MAX_TXS, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        """An empty mempool holding at most `max_txs` transactions and `max_bytes` bytes of them."""
        if max_txs < 1 or max_bytes < 1:
            raise ValueError("mempool limits must be positive")
        self.max_txs = max_txs
        self.max_bytes = max_bytes
        self._lock = threading.RLock()
        self._by_hash: OrderedDict[bytes, MempoolTx] = OrderedDict()
        # Per sender, their pending txs in sequence order (always consecutive).
        self._by_sender: dict[str, list[MempoolTx]] = {}
        self._bytes = 0

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

    def pending_fees(self, sender: str) -> int:
        """Sum of the fees of the sender's pending transactions (they will all be charged)."""
        with self._lock:
            return sum(tx.fee for tx in self._by_sender.get(sender, ()))

    def add(self, tx: MempoolTx) -> None:
        """Queue a verified transaction whose sequence follows the sender's pending ones.

        Raises DuplicateTxError, MempoolFullError, or ValueError if the sequence does not follow (the app
        checks sequences before calling, so that is a bug in the caller).
        """
        with self._lock:
            if tx.tx_hash in self._by_hash:
                raise DuplicateTxError(f"transaction {tx.tx_hash.hex()} is already in the mempool")
            if len(self._by_hash) >= self.max_txs:
                raise MempoolFullError(f"mempool is full ({self.max_txs} transactions); try again later")
            if self._bytes + len(tx.raw) > self.max_bytes:
                raise MempoolFullError(f"mempool is full ({self.max_bytes} bytes); try again later")
            expected = self.next_sequence(tx.sender)
            if expected is not None and tx.sequence != expected:
                raise ValueError(f"sequence {tx.sequence} does not follow pending {expected - 1}")
            self._by_hash[tx.tx_hash] = tx
            self._by_sender.setdefault(tx.sender, []).append(tx)
            self._bytes += len(tx.raw)

    def reap(self, max_txs: int, max_bytes: int) -> list[bytes]:
        """Up to `max_txs` transactions totalling at most `max_bytes`, oldest first, without removing them.

        A sender's transactions keep their sequence order: once one of them does not fit, the sender's
        later ones are skipped too (they would fail with a sequence gap).
        """
        out: list[bytes] = []
        total = 0
        blocked: set[str] = set()
        with self._lock:
            for tx in self._by_hash.values():
                if len(out) >= max_txs:
                    break
                if tx.sender in blocked:
                    continue
                if total + len(tx.raw) > max_bytes:
                    blocked.add(tx.sender)
                    continue
                out.append(tx.raw)
                total += len(tx.raw)
        return out

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
            return dropped

    def hashes(self) -> list[bytes]:
        """Hashes of the pending transactions, oldest first."""
        with self._lock:
            return list(self._by_hash)

    def drop(self, tx_hash: bytes) -> int:
        """Remove a pending transaction and the sender's later ones (they would follow a sequence gap).

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
            return len(stale)

    def clear(self) -> None:
        """Drop every pending transaction (a CometBFT driver whose consensus engine went away)."""
        with self._lock:
            self._by_hash.clear()
            self._by_sender.clear()
            self._bytes = 0

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
        stale = used + pending[len(used) + len(keep) :]
        for tx in stale:
            self._remove(tx)
        return len(stale)

    def _remove(self, tx: MempoolTx) -> None:
        del self._by_hash[tx.tx_hash]
        self._bytes -= len(tx.raw)
        queue = self._by_sender[tx.sender]
        queue.remove(tx)
        if not queue:
            del self._by_sender[tx.sender]
