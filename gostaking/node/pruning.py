"""Pruning old blocks (`[pruning] keep_recent_blocks`): the retain height the app names in Commit, and the
deletion of its own block records and tx index below it.

The rule (Cosmos SDK's GetBlockRetentionHeight, plus this node's own readers) keeps, at committed height h:

- the `keep_recent_blocks` (N) blocks before h: retain height h − N;
- CometBFT's evidence window: evidence of a fault at height e can be submitted until h − e reaches the network's
  `consensus_params.evidence.max_age_num_blocks` (genesis.json), so h − max_age_num_blocks stays (CometBFT
  itself also keeps the headers and commits of blocks inside `max_age_duration` when it prunes);
- every snapshot this node serves, and the ones it will keep: a node that restores the snapshot of height s
  block-syncs s + 1… from its peers, so the retain height stays at or below the oldest snapshot listed and below
  h − interval_blocks × keep_recent (which also covers a snapshot still being written);
- the explorer index: a block is deleted only once the index has it (the index reads the app's blocks).

The chain's unbonding queues live in the state, not in blocks, so they need no block kept. A light client's root
of trust (statesync.trust_height) is a header the RPC servers must still hold: nodes that serve state sync's
light clients keep at least the trust period's blocks (docs/operators.md).

CometBFT prunes its own block store to the retain height when Commit returns; the app deletes its blocks below the
same height, at most PRUNE_BATCH_ENTRIES keys per commit so that no commit pauses long (a node that enables
pruning on a long history catches up over many blocks).
"""

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

MIN_KEEP_RECENT_BLOCKS = 100
"""The smallest non-zero keep_recent_blocks: fewer would leave peers that fall a few minutes behind (and the
explorer index after a short outage) without the blocks they need."""
PRUNE_BATCH_ENTRIES = 2_000
"""Keys (blocks and tx index entries) one commit deletes at most, in whole blocks."""
COMETBFT_DEFAULT_EVIDENCE_MAX_AGE_BLOCKS = 100_000
"""CometBFT's default `evidence.max_age_num_blocks`, used when genesis.json does not set it."""

log = logging.getLogger(__name__)


class PruningConfigError(ValueError):
    """A pruning setting that cannot work."""


def check_keep_recent_blocks(keep_recent_blocks: int) -> None:
    """Raise PruningConfigError unless it is 0 (keep everything) or at least MIN_KEEP_RECENT_BLOCKS."""
    if keep_recent_blocks != 0 and keep_recent_blocks < MIN_KEEP_RECENT_BLOCKS:
        raise PruningConfigError(f"0 (keep every block) or at least {MIN_KEEP_RECENT_BLOCKS}, not {keep_recent_blocks}")


@dataclass(frozen=True)
class RetentionLimits:
    """What else the node must keep besides the N recent blocks."""

    evidence_max_age_blocks: int = COMETBFT_DEFAULT_EVIDENCE_MAX_AGE_BLOCKS
    snapshot_interval_blocks: int = 0
    """0: the node takes no snapshots."""
    snapshot_keep_recent: int = 0


def compute_retain_height(
    height: int,
    keep_recent_blocks: int,
    limits: RetentionLimits,
    snapshot_heights: Iterable[int] = (),
    indexed_height: int | None = None,
) -> int:
    """The lowest height to keep after committing `height` (0 = keep everything, as CometBFT reads it): height − N,
    lowered to keep the evidence window, the snapshots served (`snapshot_heights`) and to come, and every block
    the explorer index has not read yet (`indexed_height`; None: no index). Never above `height`."""
    if keep_recent_blocks <= 0 or height <= 0:
        return 0
    retain = height - max(keep_recent_blocks, limits.evidence_max_age_blocks)
    if limits.snapshot_interval_blocks > 0:
        retain = min(retain, height - limits.snapshot_interval_blocks * limits.snapshot_keep_recent)
    retain = min([retain, *snapshot_heights])
    if indexed_height is not None:
        retain = min(retain, indexed_height + 1)
    # Retaining from height 1 (or below) prunes nothing: say 0, CometBFT's "keep everything".
    return retain if retain > 1 else 0


def evidence_max_age_blocks(genesis_path: Path) -> int:
    """`consensus_params.evidence.max_age_num_blocks` of a CometBFT genesis.json (CometBFT's default when the file
    does not set it; the app never changes consensus params, so the genesis value holds for the chain's life)."""
    try:
        document = json.loads(genesis_path.read_text())
        value = document["consensus_params"]["evidence"]["max_age_num_blocks"]
    except (OSError, ValueError, KeyError, TypeError):
        return COMETBFT_DEFAULT_EVIDENCE_MAX_AGE_BLOCKS
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return COMETBFT_DEFAULT_EVIDENCE_MAX_AGE_BLOCKS


class PrunableApp(Protocol):
    """What the pruner needs of the app (GoStakingApp fits)."""

    @property
    def height(self) -> int:
        """Last committed height."""
        ...

    def prune_blocks(self, retain_height: int, max_entries: int) -> int:
        """Delete up to about `max_entries` keys of blocks below `retain_height`; the blocks deleted."""
        ...


class BlockPruner:
    """After each commit: the retain height for CometBFT, and one bounded batch of the app's own deletions."""

    def __init__(
        self,
        app: PrunableApp,
        keep_recent_blocks: int,
        limits: RetentionLimits,
        snapshot_heights: Callable[[], Iterable[int]] = lambda: (),
        indexed_height: Callable[[], int | None] = lambda: None,
        batch_entries: int = PRUNE_BATCH_ENTRIES,
    ) -> None:
        """Prune `app` keeping `keep_recent_blocks` (checked: 0 or >= MIN_KEEP_RECENT_BLOCKS) and what `limits`,
        the served snapshots and the index's progress need."""
        check_keep_recent_blocks(keep_recent_blocks)
        self.app = app
        self.keep_recent_blocks = keep_recent_blocks
        self.limits = limits
        self.snapshot_heights = snapshot_heights
        self.indexed_height = indexed_height
        self.batch_entries = batch_entries

    def retain_height(self) -> int:
        """The retain height at the app's committed height."""
        return compute_retain_height(
            self.app.height, self.keep_recent_blocks, self.limits, self.snapshot_heights(), self.indexed_height()
        )

    def after_commit(self) -> int:
        """Delete one batch of the app's blocks below the retain height; return that height for CometBFT."""
        retain = self.retain_height()
        if retain:
            deleted = self.app.prune_blocks(retain, self.batch_entries)
            if deleted:
                log.info("pruned %d blocks below %d", deleted, retain)
        return retain
