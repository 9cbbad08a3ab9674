"""Pruning old blocks: the retain height rule (node/pruning.py) and ChainStore.prune_blocks (bounded batches, the
tx index, what survives a reopen)."""

import hashlib
import json
import re
from pathlib import Path

import pytest

from gostaking.node.launch.config import NodeConfigError, default_node_config, set_config_value
from gostaking.node.launch.profiles import get_profile
from gostaking.node.pruning import (
    COMETBFT_DEFAULT_EVIDENCE_MAX_AGE_BLOCKS,
    MIN_KEEP_RECENT_BLOCKS,
    BlockPruner,
    PruningConfigError,
    RetentionLimits,
    check_keep_recent_blocks,
    compute_retain_height,
    evidence_max_age_blocks,
)
from gostaking.storage import ChainStore, LmdbStore, MemoryStore
from gostaking.storage.chainstore import StorageCorruptionError

SMALL_EVIDENCE = RetentionLimits(evidence_max_age_blocks=10)


# --- the retain height rule ---


def test_zero_keeps_everything() -> None:
    assert compute_retain_height(10**6, 0, SMALL_EVIDENCE) == 0


def test_retain_height_is_height_minus_n_once_past_n() -> None:
    assert compute_retain_height(1_000, 100, SMALL_EVIDENCE) == 900
    assert compute_retain_height(101, 100, SMALL_EVIDENCE) == 0, "retaining from 1 prunes nothing: 0"
    assert compute_retain_height(102, 100, SMALL_EVIDENCE) == 2
    assert compute_retain_height(50, 100, SMALL_EVIDENCE) == 0


def test_the_evidence_window_is_kept_when_longer_than_n() -> None:
    limits = RetentionLimits(evidence_max_age_blocks=500)
    assert compute_retain_height(1_000, 100, limits) == 500
    assert compute_retain_height(400, 100, limits) == 0


def test_served_snapshots_and_the_ones_to_come_are_kept() -> None:
    # Snapshots every 300 blocks, 2 kept: at 1,000 the node serves 900 and 600, and the formula keeps 400 on.
    limits = RetentionLimits(evidence_max_age_blocks=10, snapshot_interval_blocks=300, snapshot_keep_recent=2)
    assert compute_retain_height(1_000, 100, limits, snapshot_heights=[900, 600]) == 400
    # An older snapshot still on disk (keep_recent lowered since) holds the blocks after it.
    assert compute_retain_height(1_000, 100, limits, snapshot_heights=[900, 600, 300]) == 300
    no_formula = RetentionLimits(evidence_max_age_blocks=10)
    assert compute_retain_height(1_000, 100, no_formula, snapshot_heights=[850]) == 850


def test_blocks_the_index_has_not_read_are_kept() -> None:
    assert compute_retain_height(1_000, 100, SMALL_EVIDENCE, indexed_height=700) == 701
    assert compute_retain_height(1_000, 100, SMALL_EVIDENCE, indexed_height=999) == 900
    assert compute_retain_height(1_000, 100, SMALL_EVIDENCE, indexed_height=0) == 0


@pytest.mark.parametrize("keep", [1, 10, MIN_KEEP_RECENT_BLOCKS - 1, -5])
def test_too_few_blocks_are_refused(keep: int) -> None:
    with pytest.raises(PruningConfigError, match=f"at least {MIN_KEEP_RECENT_BLOCKS}"):
        check_keep_recent_blocks(keep)
    config = default_node_config("n", get_profile("testnet"))
    with pytest.raises(
        NodeConfigError, match=re.escape("pruning.keep_recent_blocks: 0 (keep every block) or at least")
    ):
        set_config_value(config, "pruning.keep_recent_blocks", str(keep))


def test_the_config_key_takes_zero_or_enough_blocks() -> None:
    config = default_node_config("n", get_profile("testnet"))
    assert config.pruning.keep_recent_blocks == 0
    assert set_config_value(config, "pruning.keep_recent_blocks", "100").pruning.keep_recent_blocks == 100


def test_evidence_age_is_read_from_the_genesis_file(tmp_path: Path) -> None:
    genesis = tmp_path / "genesis.json"
    genesis.write_text(json.dumps({"consensus_params": {"evidence": {"max_age_num_blocks": "250"}}}))
    assert evidence_max_age_blocks(genesis) == 250
    genesis.write_text(json.dumps({"chain_id": "x"}))
    assert evidence_max_age_blocks(genesis) == COMETBFT_DEFAULT_EVIDENCE_MAX_AGE_BLOCKS
    assert evidence_max_age_blocks(tmp_path / "missing.json") == COMETBFT_DEFAULT_EVIDENCE_MAX_AGE_BLOCKS


# --- ChainStore.prune_blocks ---


def _tx_hash(height: int, index: int) -> bytes:
    return hashlib.sha256(f"{height}/{index}".encode()).digest()


def _block(tx_hashes: list[bytes]) -> bytes:
    """An opaque test block: its tx hashes one after another (the store never decodes blocks)."""
    return b"".join(tx_hashes)


def _hashes_of(raw: bytes) -> list[bytes]:
    return [raw[i : i + 32] for i in range(0, len(raw), 32)]


def _commit_blocks(chain: ChainStore, count: int, txs_per_block: int, repeated: bytes | None = None) -> None:
    for _ in range(count):
        height = chain.height + 1
        hashes = [_tx_hash(height, index) for index in range(txs_per_block)]
        if repeated is not None:
            hashes.append(repeated)  # the same transaction bytes in every block: only its first inclusion is indexed
        chain.compute_app_hash({b"height": str(height).encode()})
        chain.commit(height, _block(hashes), hashes)


def test_blocks_and_their_tx_index_below_the_retain_height_go_in_bounded_batches() -> None:
    chain = ChainStore.open(MemoryStore())
    _commit_blocks(chain, 30, txs_per_block=3)
    assert chain.earliest_height == 1 and chain.pruned_below == 0

    # 4 keys per block (the block and 3 index entries): a batch of 10 keys holds 3 whole blocks.
    first = chain.prune_blocks(21, max_entries=10, tx_hashes_of=_hashes_of)
    assert (first.blocks, first.tx_entries, first.pruned_below) == (3, 9, 4)
    assert chain.block(3) is None and chain.tx_location(_tx_hash(3, 2)) is None
    assert chain.block(4) is not None and chain.tx_location(_tx_hash(4, 0)) == (4, 0)
    while chain.prune_blocks(21, max_entries=10, tx_hashes_of=_hashes_of).blocks:
        pass
    assert chain.earliest_height == chain.pruned_below == 21
    assert all(chain.block(h) is None and chain.tx_location(_tx_hash(h, 0)) is None for h in range(1, 21))
    assert all(chain.block(h) is not None and chain.tx_location(_tx_hash(h, 1)) == (h, 1) for h in range(21, 31))
    assert chain.prune_blocks(21, 10, _hashes_of).blocks == 0, "nothing left below the retain height"


def test_the_committed_block_is_never_pruned() -> None:
    chain = ChainStore.open(MemoryStore())
    _commit_blocks(chain, 5, txs_per_block=1)
    pruned = chain.prune_blocks(100, max_entries=1_000, tx_hashes_of=_hashes_of)
    assert pruned.blocks == 4 and chain.earliest_height == 5 and chain.block(5) is not None


def test_a_transaction_repeated_later_keeps_the_later_entry_once_the_first_block_is_pruned() -> None:
    chain = ChainStore.open(MemoryStore())
    repeated = _tx_hash(0, 0)
    _commit_blocks(chain, 3, txs_per_block=1, repeated=repeated)
    assert chain.tx_location(repeated) == (1, 1)
    chain.prune_blocks(2, 100, _hashes_of)
    assert chain.tx_location(repeated) is None, "its block is gone"
    _commit_blocks(chain, 1, txs_per_block=1, repeated=repeated)
    assert chain.tx_location(repeated) == (4, 1), "a later inclusion is indexed again"
    chain.prune_blocks(4, 100, _hashes_of)  # blocks 2 and 3 held it too: their pruning leaves block 4's entry
    assert chain.tx_location(repeated) == (4, 1)


def test_pruning_survives_a_reopen(tmp_path: Path) -> None:
    with LmdbStore(tmp_path / "db") as store:
        chain = ChainStore.open(store)
        _commit_blocks(chain, 12, txs_per_block=2)
        chain.prune_blocks(8, 1_000, _hashes_of)
    with LmdbStore(tmp_path / "db") as store:
        reopened = ChainStore.open(store)
        assert (reopened.height, reopened.earliest_height, reopened.pruned_below) == (12, 8, 8)
        _commit_blocks(reopened, 3, txs_per_block=2)
        assert reopened.prune_blocks(11, 1_000, _hashes_of).blocks == 3
        assert reopened.earliest_height == 11 and reopened.block(11) is not None


def test_a_gap_below_the_kept_blocks_is_reported_as_corruption() -> None:
    store = MemoryStore()
    chain = ChainStore.open(store)
    _commit_blocks(chain, 6, txs_per_block=1)
    store.write_batch({b"b" + (2).to_bytes(8, "big"): None})  # deleted behind the store's back
    chain.prune_blocks(2, 100, _hashes_of)
    with pytest.raises(StorageCorruptionError, match="block 2 is missing"):
        chain.prune_blocks(5, 100, _hashes_of)


def test_bad_batch_sizes_are_refused() -> None:
    chain = ChainStore.open(MemoryStore())
    with pytest.raises(ValueError, match="max_entries must be at least 1"):
        chain.prune_blocks(5, 0, _hashes_of)


# --- BlockPruner: the handler's after-commit step ---


class _CountingApp:
    """A stand-in for the app's two pruning members over a real ChainStore."""

    def __init__(self, chain: ChainStore) -> None:
        self.chain = chain

    @property
    def height(self) -> int:
        return self.chain.height

    def prune_blocks(self, retain_height: int, max_entries: int) -> int:
        return self.chain.prune_blocks(retain_height, max_entries, _hashes_of).blocks


def test_the_pruner_returns_the_retain_height_and_catches_up_over_commits() -> None:
    chain = ChainStore.open(MemoryStore())
    _commit_blocks(chain, 150, txs_per_block=1)
    pruner = BlockPruner(_CountingApp(chain), 100, SMALL_EVIDENCE, batch_entries=20)
    assert pruner.after_commit() == 50
    assert chain.earliest_height == 11, "one batch (10 blocks of 2 keys) per commit"
    for _ in range(4):
        pruner.after_commit()
    assert chain.earliest_height == 50
    with pytest.raises(PruningConfigError):
        BlockPruner(_CountingApp(chain), 5, SMALL_EVIDENCE)
