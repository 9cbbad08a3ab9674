"""GoStakingApp: the chain state machine behind the ABCI 2.0 shape (info, init_chain, check_tx,
finalize_block, commit, query).

Two drivers call it: the embedded single-process producer (node/producer.py) and the CometBFT ABCI socket
server (node/abci/). So it holds no producer logic: it executes what it is given and persists on `commit`.

Persistence. `finalize_block` executes the block and computes the app hash but writes nothing; `commit`
stores the state writes, the block record and its tx index in one atomic ChainStore batch. Genesis state
is not committed on its own: its writes stay pending and go to disk with block 1, so a node that dies
before block 1 simply runs init_chain again on restart (as CometBFT does while the app reports height 0).

Concurrency. One lock (a condition variable) guards the state. Between `finalize_block` and `commit` the
in-memory state is ahead of the disk, so readers (`read()`, `check_tx`) wait until the block is committed:
API reads therefore only ever see committed state. A block takes milliseconds, so the wait is short; a
reader gives up with NodeBusyError after `read_timeout_s` (e.g. a driver that never commits).
If executing or committing a block fails, the app reloads the committed state from the store, so a failed
block leaves neither memory nor disk half-updated.
"""

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import msgspec

from gostaking.chain.codec import decode_tx, tx_hash
from gostaking.chain.crypto import consensus_address
from gostaking.chain.errors import ChainError, InsufficientFundsError, InvalidGenesisError, require
from gostaking.chain.genesis import decode_genesis, init_chain
from gostaking.chain.modules.bank.queries import get_account, get_balance, get_gos_index
from gostaking.chain.modules.nodes.queries import get_mining_set, get_node
from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.state import State
from gostaking.chain.tables import BlockChanges
from gostaking.chain.transition import apply_block, simulate_tx, verify_tx
from gostaking.chain.types.block import BlockEnv, BlockResult, Misbehavior, TxResult, ValidatorUpdate
from gostaking.node.blocks import (
    ZERO_HASH,
    BlockHeader,
    DecodedBlocks,
    StoredBlock,
    compute_results_hash,
    compute_txs_hash,
    decode_block,
    encode_block,
)
from gostaking.node.committed import CommittedStates
from gostaking.node.mempool import DuplicateTxError, Mempool, MempoolError, MempoolTx
from gostaking.node.metrics import AppMetrics
from gostaking.node.settings import DEFAULT_MAPPED_MEMORY_MIB
from gostaking.node.sigcache import DEFAULT_MAX_ENTRIES, VerifiedSignatures
from gostaking.node.snapshots.format import HistoryStart, decode_history_start, encode_history_start
from gostaking.storage import BucketMerkleTree, ChainStore, KVStore, MerkleProof, StateExport, StorageCorruptionError

log = logging.getLogger(__name__)

DEFAULT_READ_TIMEOUT_S = 10.0
STATE_CACHE_ENTRIES = 200_000
"""Clean entries each paged table keeps between blocks: what recent blocks read stays warm, while the state on
disk may be far larger than memory (~300 bytes an entry: tens of MB a busy table)."""
MAPPED_STORE_BUDGET = DEFAULT_MAPPED_MEMORY_MIB * 2**20
"""Bytes of the store's file that may stay mapped in the node's resident memory: when a commit finds more, it takes
them out (they stay in the operating system's page cache; storage/mapped.py). Without it the pages every block reads
stay resident, and a node's resident memory grows with the part of the store it has read: GBs on a large state. At
10^7 accounts (benchmarks/bench_state_scale.py, 24 blocks) a smaller budget releases at almost every block, and the
blocks pay for mapping their pages again: 512 MiB peaked at ~1.1 GB with block cycles ~11-15% longer, 1 GiB at
~1.5 GB and ~9%, 1.5 GiB at ~1.8 GB and ~3%."""


class AppSequenceError(RuntimeError):
    """The app was driven out of order (e.g. commit without finalize_block, a height that does not follow)."""


class NodeBusyError(RuntimeError):
    """A read waited too long for the block in progress to be committed."""


class AlreadyIncludedError(MempoolError):
    """The transaction is already in a committed block."""

    code = 103


@dataclass(frozen=True)
class AppInfo:
    """Answer to `info`: what the app has committed."""

    chain_id: str
    """Empty before init_chain."""
    height: int
    app_hash: bytes
    last_block_hash: bytes


@dataclass(frozen=True)
class CheckTxResult:
    """Answer to `check_tx`: code 0 accepts; otherwise `error` names the error class and `message` says why."""

    code: int
    log: str
    tx_hash: bytes
    error: str = ""
    message: str = ""

    @property
    def ok(self) -> bool:
        """True when the transaction was accepted."""
        return self.code == 0


@dataclass(frozen=True)
class SimulationResult:
    """Answer to `simulate_tx`: what the transaction would do as the next one of the sender in the next block."""

    height: int
    """The committed height it ran on (it would run in block height + 1)."""
    result: TxResult
    """Code, log (`<ErrorClass>: <why>`), events and the fee it would pay (no sender and fee 0: CheckTx would
    refuse it, so it would pay nothing)."""


@dataclass(frozen=True)
class QueryResult:
    """Answer to `query`: code 0 with a value, or a non-zero code and a log."""

    code: int
    log: str
    value: bytes
    height: int


@dataclass(frozen=True)
class StateProof:
    """A state key's committed value (None: absent) and the Merkle proof of it (`verify_proof` checks it)."""

    key: bytes
    value: bytes | None
    proof: MerkleProof


@dataclass(frozen=True)
class StateProofs:
    """Proofs of state keys and the one committed height and app hash they all prove against."""

    height: int
    app_hash: bytes
    proofs: tuple[StateProof, ...]


def history_start_of(state: State, block: StoredBlock) -> HistoryStart:
    """What the explorer's index starts from on a node whose history begins at `block`, with `state` committed by it."""
    validators = []
    for operator in get_mining_set(state).operators:
        node = get_node(state, operator)
        if node is not None:
            validators.append(consensus_address(node.consensus_pubkey))
    return HistoryStart(block.height, block.hash, get_gos_index(state), tuple(sorted(validators)))


class GoStakingApp:
    """The ABCI-shaped application over one ChainStore and a mempool."""

    def __init__(
        self,
        store: KVStore,
        mempool: Mempool | None = None,
        read_timeout_s: float = DEFAULT_READ_TIMEOUT_S,
        metrics: AppMetrics | None = None,
        signature_cache_entries: int = DEFAULT_MAX_ENTRIES,
        mapped_store_budget: int | None = MAPPED_STORE_BUDGET,
    ) -> None:
        """Open the committed chain in `store` (verifying it against its app hash) and load its state. `metrics`
        counts what the app does (default: new ones, on unless GOSTAKING_METRICS=off). The signatures of up to
        `signature_cache_entries` transactions are remembered once verified (node/sigcache.py; 0: none). After each
        commit, mapped store pages above `mapped_store_budget` bytes leave the resident memory (None: never)."""
        self.mempool = mempool if mempool is not None else Mempool()
        self.verified_signatures = VerifiedSignatures(signature_cache_entries) if signature_cache_entries else None
        self.metrics = metrics if metrics is not None else AppMetrics()
        self.read_timeout_s = read_timeout_s
        self.mapped_store_budget = mapped_store_budget
        self._chain = ChainStore.open(store)
        self._cond = threading.Condition()  # over an RLock: a reader may call other reading methods
        self._blocks_waiting = 0  # threads waiting for the state lock to finalize or commit a block (read_if_free)
        self._blocks_waiting_lock = threading.Lock()
        self._block_open = False
        self._pending_block: StoredBlock | None = None
        self._pending_changes: BlockChanges = {}
        self._committed: CommittedStates | None = None
        """Copies of the committed state that readers read without the state lock (None before the first commit)."""
        self._genesis_writes: dict[bytes, bytes | None] | None = None
        self._state = State()
        self._last_block: StoredBlock | None = None
        self._decoded_blocks = DecodedBlocks()
        self._load_committed()

    # --- ABCI ---

    def info(self) -> AppInfo:
        """Last committed height, app hash and block hash (height 0: nothing committed yet)."""
        with self._cond:
            last = self._last_block
            return AppInfo(
                chain_id=self._state.chain_id.get(),
                height=self._chain.height,
                app_hash=self._chain.app_hash,
                last_block_hash=last.hash if last is not None else ZERO_HASH,
            )

    def init_chain(self, genesis_json: bytes) -> tuple[tuple[ValidatorUpdate, ...], bytes]:
        """Build the genesis state from a JSON genesis document; returns (initial validators, app hash).

        The genesis document is saved at once; the genesis state stays pending until block 1 commits.
        Raises InvalidGenesisError for a bad document or one that differs from the saved genesis, and
        AppSequenceError when the chain is already initialized.
        """
        genesis = decode_genesis(genesis_json)
        with self._cond:
            if self._chain.height != 0 or self._state.chain_id.get():
                raise AppSequenceError("init_chain: the chain is already initialized")
            saved = self._chain.genesis()
            require(
                saved is None or saved == genesis_json,
                InvalidGenesisError,
                "this data directory was initialized with a different genesis document",
            )
            state = State()
            updates = init_chain(state, genesis)
            writes = state.take_block_writes()
            # The Merkle tree gives the genesis app hash; the writes are then rolled back out of the tree
            # and kept here to be committed with block 1.
            app_hash = self._chain.compute_app_hash(writes)
            self._chain.discard_pending()
            self._chain.save_genesis(genesis_json)
            self._state = state
            self._genesis_writes = writes
            return updates, app_hash

    def check_tx(
        self,
        raw: bytes,
        add_to_mempool: bool = True,
        *,
        pending: Mempool | None = None,
        wait_for_commit: bool = True,
    ) -> CheckTxResult:
        """Validate a transaction against the committed state and the mempool; add it to the mempool if valid.

        The sequence must follow the sender's pending transactions (or the account's, if none), and the
        sender's liquid GOS must cover the fees of all its pending transactions plus this one.
        `pending` replaces the app's mempool as the record of pending transactions (PrepareProposal checks a
        block's transactions in order against a scratch one). With `wait_for_commit=False` a check arriving
        between finalize_block and commit runs against the finalized state instead of waiting: under CometBFT
        that block is decided, and CometBFT flushes CheckTx before it sends Commit, so waiting would deadlock.
        """
        started = time.perf_counter()
        hash_ = tx_hash(raw)
        mempool = pending if pending is not None else self.mempool
        with self._cond:
            if wait_for_commit:
                self._wait_for_commit()
            try:
                self._check_tx(self._state, mempool, raw, hash_, add_to_mempool)
                result = CheckTxResult(0, "", hash_)
            except (ChainError, MempoolError) as error:
                name = type(error).__name__
                result = CheckTxResult(error.code, f"{name}: {error}", hash_, name, str(error))
        if pending is None:  # a proposal's checks against a scratch mempool are not CheckTx requests
            self.metrics.check_tx_done(started, result.code, result.log)
        return result

    def check_proposal_tx(self, raw: bytes, proposal: Mempool, confirmed: Callable[[bytes], bool]) -> CheckTxResult:
        """PrepareProposal's check of one transaction of CometBFT's mempool, as the next of its sender in `proposal`
        (a scratch mempool of the transactions chosen so far). One that the CheckTx record holds and that has been
        checked against the committed state (`confirmed(hash)`: by CheckTx since the last commit, or by a Recheck after
        it) is taken on the record's word when it follows the same transactions of its sender in the proposal as in
        the record (so their fees are the ones that check counted): no block ran since, so a full check would find
        the same. Any other is checked in full (`check_tx` against `proposal`). Never waits for a commit."""
        hash_ = tx_hash(raw)
        with self._cond:
            waiting = self.mempool.get(hash_)
            if waiting is not None and confirmed(hash_) and proposal.get(hash_) is None:
                before = proposal.last_of(waiting.sender)
                if before is None:
                    follows = waiting.sequence == get_account(self._state, waiting.sender).sequence
                else:
                    follows = waiting.sequence == before.sequence + 1 and self.mempool.get(before.tx_hash) is not None
                if follows:
                    proposal.add(waiting)
                    return CheckTxResult(0, "", hash_)
            return self.check_tx(raw, True, pending=proposal, wait_for_commit=False)

    def simulate_tx(self, raw: bytes) -> SimulationResult:
        """Run a signed transaction against the committed state and throw its writes away (Cosmos' simulate).

        It runs as the block after the last commit would run it, after the sender's transactions waiting in the
        mempool: their fees are charged and their sequences used first (as CheckTx counts them), though their
        messages are not executed. One already waiting or included is refused as CheckTx refuses it. Holds the
        state lock for one transaction's execution and its revert, so a block waits at most that long; waits, like
        `read`, while a block is between finalize and commit.
        """
        hash_ = tx_hash(raw)
        try:
            sender = decode_tx(raw).body.sender
        except ChainError:
            sender = ""  # simulate_tx reports why the bytes are no transaction
        with self._cond:
            self._wait_for_commit()
            state = self._state
            chain_id = state.chain_id.get()
            if not chain_id:
                raise AppSequenceError("simulate_tx before init_chain")
            height = self._chain.height
            last = self._last_block
            env = BlockEnv(chain_id, height + 1, last.header.time_ms if last is not None else 0)
            try:
                self._require_new(self.mempool, hash_)  # as CheckTx: say so rather than "bad sequence"
            except MempoolError as error:
                return SimulationResult(height, TxResult(error.code, f"{type(error).__name__}: {error}", hash_))
            pending_sequence = self.mempool.next_sequence(sender) if sender else None
            pending_fees = self.mempool.pending_fees(sender) if sender else 0
            return SimulationResult(height, simulate_tx(state, env, raw, pending_sequence, pending_fees))

    def replay_mempool_journal(self) -> int:
        """After a restart, queue again the transactions the mempool's journal kept (accepted, not yet included):
        each is checked as new, oldest first, so one a block included before the crash, or that the committed
        state now refuses, is not queued. Returns how many are pending again."""
        journal = self.mempool.journal
        if journal is None:
            return 0
        raws = journal.load()
        journal.keep_only(frozenset())  # the ones accepted again are recorded again
        return sum(self.check_tx(raw).ok for raw in raws)

    def recheck_tx(self, raw: bytes) -> CheckTxResult:
        """Check again, after a commit, a transaction that is still waiting (CometBFT's CheckTx of type Recheck).

        `commit` has already dropped from the mempool what the block included and what no longer follows the
        senders' sequences or fee budgets, so a transaction still there keeps its place and is verified again at
        its own sequence against the committed state; if that fails it leaves the mempool together with the
        sender's later ones. A transaction not in the mempool is checked as a new one. Never waits for a commit
        (see `check_tx`).
        """
        hash_ = tx_hash(raw)
        with self._cond:
            pending = self.mempool.get(hash_)
            if pending is None:
                return self.check_tx(raw, wait_for_commit=False)
            try:
                verify_tx(self._state, self._state.chain_id.get(), raw, pending.sequence, self.verified_signatures)
            except ChainError as error:
                name = type(error).__name__
                self.mempool.drop(hash_, f"no longer valid after the last block: {name}: {error}")
                return CheckTxResult(error.code, f"{name}: {error}", hash_, name, str(error))
        return CheckTxResult(0, "", hash_)

    def finalize_block(
        self,
        height: int,
        time_ms: int,
        txs: Sequence[bytes],
        proposer: str,
        signers: Sequence[str],
        absent: Sequence[str] = (),
        misbehavior: Sequence[Misbehavior] = (),
    ) -> tuple[BlockResult, bytes]:
        """Execute a block and return its result and app hash. Persists nothing: call `commit` next.

        `signers` and `absent` are the consensus addresses that signed / did not sign the previous block, and
        `misbehavior` the faults consensus decided to punish in this block (CometBFT's decided_last_commit and
        misbehavior); the embedded producer passes only itself as signer.
        """
        started = time.perf_counter()
        with self._block_lock():
            chain_id = self._state.chain_id.get()
            if not chain_id:
                raise AppSequenceError("finalize_block before init_chain")
            if self._block_open:
                raise AppSequenceError(f"block {self._chain.height + 1} is finalized but not committed")
            if height != self._chain.height + 1:
                raise AppSequenceError(f"block height {height} does not follow committed {self._chain.height}")
            last = self._last_block
            # A block record a snapshot brought is checked only by its app hash: its time is the snapshot peer's
            # word, and a forged one far ahead must not make this node refuse every later block (consensus orders
            # block times anyway; this check is the app's own guard for blocks it executed).
            if last is not None and time_ms < last.header.time_ms and not self._restored_at(last.height):
                raise AppSequenceError(f"block time {time_ms} is before the previous block's {last.header.time_ms}")
            self._block_open = True
            try:
                env = BlockEnv(chain_id, height, time_ms, proposer, tuple(signers), tuple(absent), tuple(misbehavior))
                result = apply_block(self._state, env, list(txs), self.verified_signatures)
                writes, self._pending_changes = self._state.take_block_changes()
                if self._genesis_writes is not None:
                    writes = {**self._genesis_writes, **writes}
                app_hash = self._chain.compute_app_hash(writes)
            except BaseException:
                self._recover()
                raise
            header = BlockHeader(
                chain_id=chain_id,
                height=height,
                time_ms=time_ms,
                proposer=proposer,
                previous_hash=last.hash if last is not None else ZERO_HASH,
                txs_hash=compute_txs_hash(list(txs)),
                results_hash=compute_results_hash(result.tx_results),
                app_hash=app_hash,
            )
            self._pending_block = StoredBlock(
                header=header,
                signers=tuple(signers),
                txs=tuple(txs),
                tx_results=result.tx_results,
                events=result.events,
                validator_updates=result.validator_updates,
            )
        self.metrics.block_finalized(started, absent)
        return result, app_hash

    def commit(self) -> StoredBlock:
        """Persist the finalized block atomically, then drop included and now-invalid txs from the mempool."""
        started = time.perf_counter()
        previous = self._last_block
        with self._block_lock():
            block = self._pending_block
            if block is None:
                raise AppSequenceError("commit without a finalized block")
            included = [tx_hash(raw) for raw in block.txs]
            try:
                self._chain.commit(block.height, encode_block(block), included)
            except BaseException:
                self._recover()
                raise
            genesis_committed = self._genesis_writes is not None
            self._genesis_writes = None
            self._pending_block = None
            self._last_block = block
            self._block_open = False
            if genesis_committed:
                # Genesis ran on a state holding everything (nothing was stored yet): page it from now on.
                self._load_committed()
            else:
                self._state.trim_caches(STATE_CACHE_ENTRIES)
                self._advance_readers()
            self._pending_changes = {}
            if self.verified_signatures is not None:
                self.verified_signatures.forget(included)  # their sequences are used
            state = self._state
            self.mempool.update(
                included,
                lambda sender: get_account(state, sender).sequence,
                lambda sender: get_balance(state, sender, GOS_DENOM),
            )
            self._cond.notify_all()
        if self.mapped_store_budget is not None:
            # After the lock is released: readers need not wait for it (their reads through the map stay correct).
            try:
                self._chain.release_mapped_pages(self.mapped_store_budget)
            except OSError as error:  # e.g. no /proc, or the memory locked: the block is committed all the same
                log.warning("cannot release the store's mapped pages (%s): no longer trying", error)
                self.mapped_store_budget = None
        # Counted after the lock is released: readers waiting for this commit go on meanwhile.
        self.metrics.block_committed(started, block, previous.header.time_ms if previous is not None else None)
        return block

    def query(self, path: str, data: bytes = b"") -> QueryResult:
        """Minimal ABCI query over committed data.

        Paths: `/info` (JSON chain id, height, app hash), `/state` (raw value of the state key `data`),
        `/tx` (JSON height and index of the tx whose 32-byte hash is `data`).
        """
        height = self._chain.height
        if path == "/info":
            info = self.info()
            value = msgspec.json.encode(
                {"chain_id": info.chain_id, "height": info.height, "app_hash": info.app_hash.hex()}
            )
            return QueryResult(0, "", value, info.height)
        if path == "/state":
            stored = self._chain.get_state(data)
            if stored is None:
                return QueryResult(1, "no such state key", b"", height)
            return QueryResult(0, "", stored, height)
        if path == "/tx":
            location = self._chain.tx_location(data) if len(data) == 32 else None
            if location is None:
                return QueryResult(1, "no committed transaction with that hash", b"", height)
            return QueryResult(0, "", msgspec.json.encode({"height": location[0], "index": location[1]}), height)
        return QueryResult(1, f"unknown query path {path!r} (known: /info, /state, /tx)", b"", height)

    def discard_uncommitted(self) -> None:
        """Forget a finalized but uncommitted block, and genesis state not yet committed with block 1.

        For a driver that lost its consensus engine mid-block (CometBFT restarting while this process lives
        on): it will ask `info` and replay from the last commit, and at height 0 call init_chain again.
        """
        with self._cond:
            try:
                self._chain.discard_pending()
                self._load_committed()
            finally:
                self._pending_block = None
                self._block_open = False
                self._cond.notify_all()

    # --- state sync (node/snapshots) ---

    def export_state(self) -> StateExport:
        """The committed state for a snapshot, from a read view of the store opened now (see ChainStore.export_state);
        its items may be consumed on another thread while blocks go on. Call it between blocks."""
        with self._cond:
            self._wait_for_commit()
            return self._chain.export_state()

    def restore_state(
        self,
        tree: BucketMerkleTree,
        items: Sequence[tuple[bytes, bytes]],
        block: StoredBlock,
        genesis_json: bytes | None,
        history_start: HistoryStart,
    ) -> None:
        """Become the node a verified snapshot describes: the state of `items` (whose Merkle `tree` the caller
        checked against the trusted app hash) at the height of `block`, persisted in one batch. Only an app with
        nothing committed may restore (AppSequenceError otherwise); it then follows the chain from block + 1."""
        with self._cond:
            if self._chain.height != 0 or self._block_open or self._state.chain_id.get():
                raise AppSequenceError(f"cannot restore a snapshot: the app is at height {self._chain.height}")
            self._chain.restore(
                block.height,
                tree,
                items,
                encode_block(block),
                [tx_hash(raw) for raw in block.txs],
                genesis_json,
                encode_history_start(history_start),
            )
            self._genesis_writes = None
            self._decoded_blocks.clear()
            self._load_committed()  # the restored state, read through the store like a restarted node's
            self._cond.notify_all()

    def history_start(self) -> HistoryStart | None:
        """Where the history this node can give starts (None: it holds every block from block 1). A node restored
        from a snapshot starts at the snapshot's block. One that pruned its first blocks starts at its last commit:
        what an index needs to start from (the GOS index, the validators) is known only there."""
        raw = self._chain.history_start()
        if raw is not None:
            return decode_history_start(raw)
        if self._chain.earliest_height <= 1:
            return None
        with self.read_committed() as state:
            block = self.block(state.height.get())
            if block is None:  # pruned up to its last commit: never, the pruner keeps the recent blocks
                raise AppSequenceError("this node keeps no block to start a history from")
            return history_start_of(state, block)

    # --- pruning (node/pruning.py) ---

    def prune_blocks(self, retain_height: int, max_entries: int) -> int:
        """Delete stored blocks below `retain_height` and their tx index, one bounded batch (ChainStore.prune_blocks);
        the blocks deleted. Call between blocks, on the thread that commits; without the state lock, so API reads
        (which read blocks straight from the store) do not wait for it."""
        tx_hashes_of = lambda raw: [tx_hash(tx) for tx in decode_block(raw).txs]  # noqa: E731
        return self._chain.prune_blocks(retain_height, max_entries, tx_hashes_of).blocks

    @property
    def earliest_block_height(self) -> int:
        """The lowest height whose block this node still stores (0: none yet)."""
        return self._chain.earliest_height

    @property
    def pruned_below(self) -> int:
        """Blocks below this height were pruned (0: none was)."""
        return self._chain.pruned_below

    # --- reads for the API and the producer ---

    @contextmanager
    def read(self) -> Iterator[State]:
        """Hold the state lock and yield the committed state, for a read that must agree with the mempool or the
        block cycle (CheckTx, the next sequence); one that only shows the state reads `read_committed`, which waits
        for nothing. Do not modify it; keep the block short. How long it waited for the lock and for a block in
        flight to commit is measured (gostaking_read_wait_seconds)."""
        started = time.perf_counter()
        with self._cond:
            self._wait_for_commit()
            self.metrics.read_waited(started)
            yield self._state

    @contextmanager
    def read_committed(self) -> Iterator[State]:
        """The state at the last commit, read-only, for readers that show it (the API): without the state lock, so
        it never waits for a block in flight and a block never waits for it (node/committed.py). Keep it short. Its
        height is `state.height.get()` (or `committed_height`). Before the first commit: `read`'s genesis state."""
        committed = self._committed
        if committed is None:
            with self.read() as state:
                yield state
            return
        started = time.perf_counter()
        with committed.read() as state:
            self.metrics.read_waited(started)
            yield state

    def committed_info(self, state: State) -> AppInfo:
        """`info` of the commit a `read_committed` state shows, without the state lock (before the first commit:
        `info`)."""
        height = state.height.get()
        block = self.block(height) if height else None
        if block is None:
            return self.info()
        return AppInfo(state.chain_id.get(), height, block.header.app_hash, block.hash)

    @property
    def committed_height(self) -> int:
        """The height `read_committed` shows now: the last commit, once the readers' copy took it on (`height` can
        be one block ahead while a commit is finishing)."""
        committed = self._committed
        return committed.height if committed is not None else self._chain.height

    def prove_state(self, keys: Sequence[bytes]) -> StateProofs:
        """The committed values of state keys (`table ‖ b"/" ‖ json(key)`), each with its Merkle proof of presence
        or absence, and the height and app hash they prove against. All are read under the state lock, between
        blocks, so the proofs, height and app hash belong to the same commit. Under CometBFT that app hash is in the
        header of block height + 1, which the validators sign. AppSequenceError before the first block (the genesis
        state is not committed on its own)."""
        with self.read():
            height = self._chain.height
            if height == 0:
                raise AppSequenceError("no block has been committed yet: there is no committed state to prove")
            proofs = tuple(StateProof(key, self._chain.get_state(key), self._chain.prove(key)) for key in keys)
            return StateProofs(height, self._chain.app_hash, proofs)

    @contextmanager
    def read_if_free(self) -> Iterator[State | None]:
        """The committed state, as `read` gives it, if that needs no wait: None while another thread holds the state
        lock, a block waits for it (so that a stream of reads on the event loop, each taking the lock again before the
        block's thread gets the GIL, cannot keep a block waiting) or a block is between finalize and commit. Only the
        devnet faucet's upkeep reads here now (the API reads `read_committed`, which needs no lock)."""
        if self._blocks_waiting or not self._cond.acquire(blocking=False):
            yield None
            return
        try:
            yield None if self._block_open else self._state
        finally:
            self._cond.release()

    @property
    def height(self) -> int:
        """Last committed height."""
        return self._chain.height

    @property
    def state_key_count(self) -> int:
        """Keys in the committed state (the app-hash tree's leaves; between finalize and commit, the next block's)."""
        return len(self._chain.tree)

    @property
    def last_block(self) -> StoredBlock | None:
        """The last committed block (None at height 0)."""
        return self._last_block

    def block(self, height: int) -> StoredBlock | None:
        """The committed block at `height`, or None."""
        if height < max(self._chain.earliest_height, 1) or height > self._chain.height:
            return None
        return self._decoded_blocks.get(height, self._chain.block)

    def tx_location(self, hash_: bytes) -> tuple[int, int] | None:
        """(height, index) of a committed transaction, or None."""
        return self._chain.tx_location(hash_)

    def genesis_json(self) -> bytes | None:
        """The saved genesis document."""
        return self._chain.genesis()

    def next_sequence(self, address: str) -> int:
        """The sequence the account's next transaction must carry, counting its txs waiting in the mempool."""
        with self.read() as state:
            pending = self.mempool.next_sequence(address)
            return pending if pending is not None else get_account(state, address).sequence

    # --- internals ---

    def _require_new(self, mempool: Mempool, hash_: bytes) -> None:
        """Raise unless the transaction is neither waiting in `mempool` nor in a committed block."""
        if mempool.get(hash_) is not None:
            raise DuplicateTxError(f"transaction {hash_.hex()} is already in the mempool")
        location = self._chain.tx_location(hash_)
        if location is not None:
            raise AlreadyIncludedError(f"transaction {hash_.hex()} is already in block {location[0]}")

    @contextmanager
    def _block_lock(self) -> Iterator[None]:
        """The state lock, for finalizing or committing a block: while it waits, read_if_free steps aside. How long
        it waited is measured (gostaking_block_lock_wait_seconds): the block's wait for reads."""
        waiting = time.perf_counter()
        with self._blocks_waiting_lock:
            self._blocks_waiting += 1
        try:
            self._cond.acquire()
        finally:
            with self._blocks_waiting_lock:
                self._blocks_waiting -= 1
        self.metrics.block_lock_waited(waiting)
        try:
            yield
        finally:
            self._cond.release()

    def _wait_for_commit(self) -> None:
        """With the state lock held: wait until no block is between finalize and commit (NodeBusyError after
        `read_timeout_s`), so what follows sees committed state."""
        if not self._cond.wait_for(lambda: not self._block_open, timeout=self.read_timeout_s):
            raise NodeBusyError("the node is busy committing a block; try again")

    def _check_tx(self, state: State, mempool: Mempool, raw: bytes, hash_: bytes, add_to_mempool: bool) -> None:
        self._require_new(mempool, hash_)
        chain_id = state.chain_id.get()
        if not chain_id:
            raise AppSequenceError("check_tx before init_chain")
        body = decode_tx(raw).body
        sender = body.sender
        if add_to_mempool:
            mempool.check_room(sender, body.fee, len(raw))  # before the cost of verifying the signature
        pending_sequence = mempool.next_sequence(sender)
        tx = verify_tx(state, chain_id, raw, pending_sequence, self.verified_signatures)
        fees = mempool.pending_fees(sender) + tx.body.fee
        liquid = get_balance(state, sender, GOS_DENOM)
        require(
            liquid >= fees,
            InsufficientFundsError,
            f"{sender} has {liquid} ugos, not enough for fees of {fees} ugos (this tx and its pending ones)",
        )
        if add_to_mempool:
            mempool.add(MempoolTx(raw, hash_, sender, tx.body.sequence, tx.body.fee))

    def _restored_at(self, height: int) -> bool:
        """True if a snapshot restored this node at `height` (its block record there is the snapshot peer's)."""
        start = self._chain.history_start()
        return start is not None and decode_history_start(start).height == height

    def _advance_readers(self) -> None:
        """After a commit: bring the readers' copies to it (node/committed.py), or make them if there are none. The
        block is committed whatever happens here: a failure (the store refusing another read transaction, say) is
        logged, and the readers read under the state lock until a later commit makes the copies again."""
        try:
            if self._committed is None:
                self._committed = CommittedStates(self._chain, self._state, STATE_CACHE_ENTRIES)
            else:
                self._committed.advance(self._pending_changes, self._state)
        except Exception:
            log.exception(
                "cannot bring the readers' copies of the state to height %d; reads take the lock", self.height
            )
            if self._committed is not None:
                self._committed.close()
            self._committed = None

    def _load_committed(self) -> None:
        """Open the committed state and load the last block from the store (start-up and after a failed block).
        Only the resident tables are read now; the others are paged through the store as blocks need them."""
        state = State(view=self._chain.state_reader())
        state.load_resident(self._chain.state_items)
        if state.height.get() != self._chain.height:
            raise StorageCorruptionError(
                f"stored state is at height {state.height.get()} but the store committed {self._chain.height}"
            )
        self._state = state
        self._genesis_writes = None
        if self._chain.height and (self._committed is None or self._committed.height != self._chain.height):
            if self._committed is not None:
                self._committed.close()
            self._committed = CommittedStates(self._chain, state, STATE_CACHE_ENTRIES)
        last = self._chain.block(self._chain.height) if self._chain.height else None
        self._last_block = decode_block(last) if last is not None else None
        if self._last_block is not None and self._last_block.header.app_hash != self._chain.app_hash:
            raise StorageCorruptionError("the last stored block's app hash differs from the committed app hash")

    def _recover(self) -> None:
        """Drop a failed block: roll the Merkle tree and the state back to the last commit."""
        reinit = self._chain.height == 0 and self._genesis_writes is not None
        try:
            self._chain.discard_pending()
            self._load_committed()
            genesis = self._chain.genesis()
            if reinit and genesis is not None:
                # Genesis state was never persisted: rebuild it (same document, same result).
                state = State()
                init_chain(state, decode_genesis(genesis))
                self._genesis_writes = state.take_block_writes()
                self._state = state
        finally:
            self._pending_block = None
            self._block_open = False
            self._cond.notify_all()
