"""Storage layer: durable key-value stores, the state Merkle tree (in memory, or stored), and the per-block ChainStore.

Independent of chain types: everything here sees raw bytes keys and values only.
"""

from .chainstore import ChainStore, CommitError, StateExport, StateView, StorageCorruptionError, StorageError
from .kv import DEFAULT_MAP_SIZE, MAX_KEY_SIZE, KVStore, LmdbStore, MemoryStore
from .merkle import EMPTY_BUCKET, BucketMerkleTree, MerkleProof, verify_proof
from .pending import PendingTxJournal
from .stored_merkle import StoredMerkleTree

__all__ = [
    "DEFAULT_MAP_SIZE",
    "EMPTY_BUCKET",
    "MAX_KEY_SIZE",
    "BucketMerkleTree",
    "ChainStore",
    "CommitError",
    "KVStore",
    "LmdbStore",
    "MemoryStore",
    "MerkleProof",
    "PendingTxJournal",
    "StateExport",
    "StateView",
    "StorageCorruptionError",
    "StorageError",
    "StoredMerkleTree",
    "verify_proof",
]
