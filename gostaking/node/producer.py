"""Embedded single-process block producer: the devnet's stand-in for consensus.

Every `block_time` seconds it reaps the mempool, finalizes a block and commits it. Block time comes from the
wall clock (the chain itself never reads a clock; its schedule is in heights), kept strictly increasing so
headers stay ordered even if the clock steps back. The producer signs as the devnet's single mining node, so
from block 2 on it is the signer of the previous block and earns the mining-node share.
"""

import logging
import time
from collections.abc import Callable, Sequence

from gostaking.chain.crypto import consensus_address
from gostaking.node.app import GoStakingApp
from gostaking.node.background import BackgroundLoop
from gostaking.node.blocks import StoredBlock

DEFAULT_BLOCK_TIME_S = 1.0
DEFAULT_MAX_BLOCK_TXS = 2_000
DEFAULT_MAX_BLOCK_BYTES = 4 * 1024 * 1024

log = logging.getLogger(__name__)


def wall_clock_ms() -> int:
    """Milliseconds since the Unix epoch."""
    return time.time_ns() // 1_000_000


class BlockProducer(BackgroundLoop):
    """Drives a GoStakingApp: one block per `block_time`, on a background thread (`start`, `stop`) or step by
    step."""

    def __init__(
        self,
        app: GoStakingApp,
        consensus_pubkey: bytes,
        block_time_s: float = DEFAULT_BLOCK_TIME_S,
        max_block_txs: int = DEFAULT_MAX_BLOCK_TXS,
        max_block_bytes: int = DEFAULT_MAX_BLOCK_BYTES,
        clock_ms: Callable[[], int] = wall_clock_ms,
        after_commit: Sequence[Callable[[StoredBlock], None]] = (),
    ) -> None:
        """A producer for `app` signing with the node whose ed25519 public key is `consensus_pubkey`."""
        if block_time_s <= 0:
            raise ValueError("block time must be positive")
        super().__init__("block-producer")
        self.app = app
        self.address = consensus_address(consensus_pubkey)
        self.block_time_s = block_time_s
        self.max_block_txs = max_block_txs
        self.max_block_bytes = max_block_bytes
        self._clock_ms = clock_ms
        self.failures = 0
        self.after_commit = list(after_commit)
        """Called with each committed block (e.g. the faucet's top-up); failures are logged, not raised."""

    def produce_block(self) -> StoredBlock:
        """Reap, finalize and commit the next block; returns it. Used by the loop and directly by tests."""
        txs = self.app.mempool.reap(self.max_block_txs, self.max_block_bytes)
        height = self.app.height + 1
        last = self.app.last_block
        time_ms = self._clock_ms()
        if last is not None:
            time_ms = max(time_ms, last.header.time_ms + 1)
        # CometBFT semantics: block 1 has no previous commit, later blocks carry this node's signature.
        signers = (self.address,) if height > 1 else ()
        self.app.finalize_block(height, time_ms, txs, self.address, signers)
        block = self.app.commit()
        for hook in self.after_commit:
            try:
                hook(block)
            except Exception:
                log.exception("after-commit hook %r failed at height %d", hook, block.height)
        return block

    def run(self) -> None:
        """Produce blocks until `stop` is called. A failed block is logged and retried on the next tick."""
        next_tick = time.monotonic()
        while not self._stop.is_set():
            try:
                self.produce_block()
                self.failures = 0
            except Exception:
                # The app has already rolled back to its last commit; keep the chain going.
                self.failures += 1
                log.exception("block production failed (%d in a row)", self.failures)
            next_tick += self.block_time_s
            delay = next_tick - time.monotonic()
            if delay < 0:
                # Fell behind (slow block or a suspended process): do not burst to catch up.
                next_tick = time.monotonic()
                delay = 0
            self._stop.wait(delay)
