"""The checks of a crash loop after each kill -9: blocks and transactions the API serves again as they were seen, and
the committed LMDB store itself (verified against its app hash, chain invariants, hash chain, tx index)."""

import hashlib
import random
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx
import lmdb
from crash_load import Inclusion, SeenBlock

from gostaking.chain.invariants import check_invariants
from gostaking.chain.state import State
from gostaking.node.blocks import decode_block
from gostaking.storage import ChainStore


@dataclass
class CrashLedger:
    """Facts carried from one kill to the next: what was seen committed, what was checked, what was lost."""

    checked_tx_hashes: set[str] = field(default_factory=set)
    stored_block_digests: dict[int, str] = field(default_factory=dict)
    lost_per_kill: list[int] = field(default_factory=list)
    pending_at_kill: list[int] = field(default_factory=list)


def check_blocks_unchanged(
    api: httpx.Client, seen: Mapping[int, SeenBlock], heights: list[int], what: str = "after the restart"
) -> None:
    """GET /blocks/{h} answers, byte for byte, what the follower recorded for each height."""
    for height in heights:
        response = api.get(f"/blocks/{height}")
        assert response.status_code == 200, f"block {height} {what}: {response.status_code} {response.text}"
        assert response.content == seen[height].raw, f"block {height} differs {what}"


def check_txs_still_included(api: httpx.Client, included: Mapping[str, Inclusion], hashes: list[str]) -> None:
    """GET /txs/{hash} shows each transaction included at the height and index it was seen at."""
    for tx_hash in hashes:
        found = api.get(f"/txs/{tx_hash}")
        assert found.status_code == 200, f"committed tx {tx_hash} is gone: {found.status_code} {found.text}"
        document = found.json()
        where = included[tx_hash]
        assert document["status"] == "included", f"committed tx {tx_hash} is {document['status']}"
        assert (document["height"], document["index"]) == (where.height, where.index), (
            f"committed tx {tx_hash} moved from {where.height}/{where.index} to "
            f"{document['height']}/{document['index']}"
        )


def sample_heights(rng: random.Random, top: int, recent_from: int, count: int = 12) -> list[int]:
    """Every height from `recent_from` to `top`, the first block, and a random sample of the older ones."""
    older = range(2, max(recent_from, 2))
    return sorted({1, *range(max(recent_from, 1), top + 1), *rng.sample(older, min(count, len(older)))})


class ReadOnlyLmdb:
    """A KVStore reading an LMDB environment opened read-only (the node that wrote it is stopped or dead)."""

    def __init__(self, path: Path) -> None:
        """Open the environment at directory `path` read-only."""
        self._env = lmdb.open(str(path), readonly=True, subdir=True, lock=True, max_dbs=0)

    def get(self, key: bytes) -> bytes | None:
        """Value under `key`, or None."""
        with self._env.begin() as txn:
            value: bytes | None = txn.get(key)
        return value

    def iter_prefix(self, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        """All (key, value) pairs whose key starts with `prefix`, in ascending key order."""
        with self._env.begin() as txn, txn.cursor() as cursor:
            if not (cursor.set_range(prefix) if prefix else cursor.first()):
                return
            for key, value in cursor.iternext():
                if not key.startswith(prefix):
                    return
                yield key, value

    def write_batch(self, puts: Mapping[bytes, bytes | None]) -> None:
        """Refused: this store is read-only."""
        raise AssertionError("the crash checks must not write to the node's store")

    def write_entries(self, entries: Iterable[tuple[bytes, bytes | None]]) -> None:
        """Refused: this store is read-only."""
        raise AssertionError("the crash checks must not write to the node's store")

    def close(self) -> None:
        """Close the environment."""
        self._env.close()

    def __enter__(self) -> "ReadOnlyLmdb":
        return self

    def __exit__(self, *_: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()


def check_store(
    data_dir: Path,
    seen: Mapping[int, SeenBlock],
    included: Mapping[str, Inclusion],
    ledger: CrashLedger | None = None,
    min_height: int | None = None,
) -> int:
    """Check a stopped node's committed LMDB store; returns its height.

    ChainStore.open verifies the state against the committed app hash; the state loads as the app loads it
    (gostaking/node/app.py, _load_committed) and passes every chain invariant; the store is at least at
    `min_height` (default: the highest block seen); every block seen (up to the store's height: `seen` may come
    from another node) is stored with the same hashes, the stored blocks chain by previous hash and the last one
    carries the committed app hash; every transaction seen included is indexed at the same height and index.
    With `ledger`, the stored bytes of each block must also be those of every earlier check.
    A node killed before it created its store has height 0.
    """
    if min_height is None:
        min_height = max(seen, default=0)
    if not (data_dir / "data.mdb").exists():
        assert min_height == 0, f"{data_dir} is missing, but block {min_height} was committed"
        return 0
    with ReadOnlyLmdb(data_dir) as store:
        chain = ChainStore.open(store)
        state = State()
        state.load_items(chain.state_items())
        assert state.height.get() == chain.height, f"state at height {state.height.get()}, store at {chain.height}"
        check_invariants(state)
        assert chain.height >= min_height, f"the store is at height {chain.height}, below {min_height}"
        previous_hash = bytes(32)
        for height in range(1, chain.height + 1):
            raw = chain.block(height)
            assert raw is not None, f"block {height} is missing from the store"
            block = decode_block(raw)
            assert block.header.previous_hash == previous_hash, f"stored block {height} does not chain"
            previous_hash = block.hash
            if ledger is not None:
                digest = hashlib.sha256(raw).hexdigest()
                first = ledger.stored_block_digests.setdefault(height, digest)
                assert first == digest, f"stored block {height} changed since an earlier check"
            if height in seen:
                assert (block.hash.hex(), block.header.app_hash.hex()) == (seen[height].hash, seen[height].app_hash), (
                    f"stored block {height} differs from the block the API served before"
                )
        if chain.height:
            last = chain.block(chain.height)
            assert last is not None and decode_block(last).header.app_hash == chain.app_hash
        for tx_hash, where in included.items():
            if where.height > chain.height:
                continue
            location = chain.tx_location(bytes.fromhex(tx_hash))
            assert location == (where.height, where.index), f"committed tx {tx_hash} at {location}, seen at {where}"
        return chain.height
