"""Signatures checked once per node: the cache of transactions whose signature this process has verified.

A node meets each transaction's signature up to four times and more: CheckTx when it arrives (from its RPC or
gossiped by a peer), Recheck after every commit while it waits, PrepareProposal when this node proposes, and
FinalizeBlock when the block carries it. Recovering a secp256k1 public key is the costliest of its checks (~50 µs in
Python against a few µs for the rest of a transfer's), so the app keeps, per transaction hash, the sender whose
signature over those exact bytes it has verified, and the chain's `verify_tx` skips the recovery on a hit.

Why FinalizeBlock stays deterministic: a signature check depends on the transaction's bytes alone (body and
signature are both in them, and the hash is sha256 of all of them), so a hit answers what a fresh check would and
any other bytes are a miss, checked in full. Only the cryptography is skipped: message checks, sequence, fee,
balance and freezes run every time. Only `verify_tx` records, after a successful check, in this process.

Bounded: past `max_entries` the oldest entries go first (a flood of transactions that never make a block costs
memory once, not forever); `forget` drops a committed block's transactions, whose sequences are used so that
they can never be valid again. Not thread-safe: the app reaches it only under its state lock.
"""

from collections import OrderedDict
from collections.abc import Iterable, Iterator, MutableMapping

DEFAULT_MAX_ENTRIES = 1 << 16
"""Above the localnet's CometBFT mempool (50,000 txs; CometBFT's default is 5,000), so that every waiting transaction
stays verified; an entry takes ~200 B (32-byte hash, sender address, dict slot): ~13 MB when full."""


class VerifiedSignatures(MutableMapping[bytes, str]):
    """Tx hash → sender whose signature over those bytes was verified (the chain's `VerifiedSigners`), oldest first
    out past `max_entries`; counts hits and misses of `get` for the benchmarks."""

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        if max_entries < 1:
            raise ValueError(f"a signature cache holds at least 1 entry, not {max_entries}")
        self.max_entries = max_entries
        self.hits = 0
        self.misses = 0
        self._signers: OrderedDict[bytes, str] = OrderedDict()

    def get(self, tx_hash: bytes, default: str | None = None) -> str | None:  # type: ignore[override]
        """The verified sender of the transaction `tx_hash`, or `default`; counted as a hit or a miss.
        (Overridden: the mapping's own `get` goes through a KeyError on every miss.)"""
        signer = self._signers.get(tx_hash)
        if signer is None:
            self.misses += 1
            return default
        self.hits += 1
        return signer

    def forget(self, tx_hashes: Iterable[bytes]) -> None:
        """Drop these transactions (those of a committed block); unknown hashes are ignored."""
        signers = self._signers
        for tx_hash in tx_hashes:
            signers.pop(tx_hash, None)

    def __getitem__(self, tx_hash: bytes) -> str:
        return self._signers[tx_hash]

    def __setitem__(self, tx_hash: bytes, signer: str) -> None:
        signers = self._signers
        if tx_hash not in signers and len(signers) >= self.max_entries:
            signers.popitem(last=False)
        signers[tx_hash] = signer

    def __delitem__(self, tx_hash: bytes) -> None:
        del self._signers[tx_hash]

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._signers)

    def __len__(self) -> int:
        return len(self._signers)
