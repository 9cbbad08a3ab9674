"""Translate ABCI requests into GoStakingApp calls (the protocol-facing half of the CometBFT driver).

`AbciHandler.handle` takes one decoded `Request` and returns its `Response`. It is synchronous and not
thread-safe: the socket server calls it from a single worker thread, which serializes every connection's
access to the app. Under CometBFT the app does no block production of its own: CometBFT proposes
(PrepareProposal), decides, and then drives FinalizeBlock and Commit.

Mempool. CometBFT owns the mempool; the app's Mempool object is a record of the transactions CheckTx accepted
(on this node: submitted to its RPC or gossiped by peers) that are not in a block yet, so that a sender can
queue n, n+1, … and the REST API can show them as pending and count them in an account's next sequence. On
Commit the app drops what the block included and what no longer follows the new state; CometBFT then rechecks
every transaction still in its mempool (CheckTx type Recheck): one still in the record is verified again in
place, one that is not is checked as new. The record therefore never empties between Commit and the rechecks
(readers on other threads see it throughout). A transaction the record holds but CometBFT did not recheck after
a commit (e.g. CometBFT refused it as its mempool was full) is forgotten at the next Commit.
"""

import logging
from collections.abc import Callable
from typing import Any

from gostaking.chain.codec import decode_tx
from gostaking.chain.crypto import consensus_address
from gostaking.chain.errors import ChainError
from gostaking.chain.genesis import decode_genesis, encode_genesis
from gostaking.chain.types.block import Event, Misbehavior, ValidatorUpdate
from gostaking.node.abci.proto import abci_types, crypto_keys, types_validator
from gostaking.node.app import GoStakingApp
from gostaking.node.mempool import Mempool
from gostaking.node.pruning import BlockPruner
from gostaking.node.snapshots.format import encode_metadata
from gostaking.node.snapshots.restore import ChunkResult, OfferedSnapshot, SnapshotRestorer
from gostaking.node.snapshots.store import SnapshotTaker

APP_VERSION = 1
"""ABCI app protocol version, reported by Info (CometBFT records it in block headers)."""

CHECK_STATE_MAX_TXS = 1_000_000
CHECK_STATE_MAX_BYTES = 1 << 31
"""Limits of the per-sender record: CometBFT's mempool enforces the real ones ([mempool] size, max_txs_bytes)."""

_MISBEHAVIOR_KINDS = {1: "duplicate_vote", 2: "light_client_attack"}
"""abci.MisbehaviorType values → the chain's Misbehavior.kind."""

log = logging.getLogger(__name__)


class AbciRequestError(Exception):
    """A request the app refuses; the server answers it with ResponseException (CometBFT then stops)."""


def check_state_mempool() -> Mempool:
    """The per-sender record CheckTx uses under CometBFT (see the module docstring)."""
    return Mempool(CHECK_STATE_MAX_TXS, CHECK_STATE_MAX_BYTES)


def proto_tx_size(tx: bytes) -> int:
    """Bytes a transaction takes in CometBFT's block data (field tag + varint length + tx), as PrepareProposal's
    max_tx_bytes counts them."""
    return 1 + (max(len(tx).bit_length(), 1) + 6) // 7 + len(tx)


def timestamp_ms(timestamp: Any) -> int:
    """Milliseconds of a google.protobuf.Timestamp."""
    return int(timestamp.seconds) * 1000 + int(timestamp.nanos) // 1_000_000


class AbciHandler:
    """Answers ABCI requests with a GoStakingApp. `handle` dispatches on the request's `value` field."""

    def __init__(
        self,
        app: GoStakingApp,
        version: str = "",
        *,
        snapshot_taker: SnapshotTaker | None = None,
        restorer: SnapshotRestorer | None = None,
        pruner: BlockPruner | None = None,
    ) -> None:
        """Drive `app` (whose mempool becomes the CheckTx record); `version` is reported by Info. With
        `snapshot_taker` the app takes state-sync snapshots after commits and serves them; with `restorer` it
        accepts snapshots offered while this node joins by state sync (without, it refuses every one). With `pruner`
        Commit names a retain height (CometBFT prunes its blocks below it) and the app deletes its own; without,
        every block is kept."""
        self.app = app
        self.version = version
        self.snapshot_taker = snapshot_taker
        self.restorer = restorer
        self.pruner = pruner
        self.app.mempool = check_state_mempool()
        self._unconfirmed: set[bytes] = set()
        """Record entries kept over the last Commit that no Recheck has confirmed since."""
        self._types = abci_types()
        self._keys = crypto_keys()
        flags = types_validator()
        self._flag_commit = flags.BLOCK_ID_FLAG_COMMIT
        self._flag_absent = flags.BLOCK_ID_FLAG_ABSENT
        self._handlers: dict[str, Callable[[Any], Any]] = {
            "echo": self.echo,
            "flush": self.flush,
            "info": self.info,
            "init_chain": self.init_chain,
            "query": self.query,
            "check_tx": self.check_tx,
            "commit": self.commit,
            "list_snapshots": self.list_snapshots,
            "offer_snapshot": self.offer_snapshot,
            "load_snapshot_chunk": self.load_snapshot_chunk,
            "apply_snapshot_chunk": self.apply_snapshot_chunk,
            "prepare_proposal": self.prepare_proposal,
            "process_proposal": self.process_proposal,
            "extend_vote": self.extend_vote,
            "verify_vote_extension": self.verify_vote_extension,
            "finalize_block": self.finalize_block,
        }

    def handle(self, request: Any) -> Any:
        """The Response to one Request; any failure becomes a ResponseException carrying its message."""
        kind = request.WhichOneof("value")
        handler = self._handlers.get(kind) if kind is not None else None
        try:
            if handler is None:
                raise AbciRequestError(f"unknown or empty ABCI request {kind!r}")
            return self._types.Response(**{kind: handler(getattr(request, kind))})
        except Exception as error:
            log.exception("ABCI %s failed", kind)
            return self._types.Response(
                exception=self._types.ResponseException(error=f"{type(error).__name__}: {error}")
            )

    def connection_lost(self) -> None:
        """The consensus connection closed (CometBFT stopped): drop an uncommitted block and the CheckTx record.

        When CometBFT comes back it asks Info and replays from the app's last commit.
        """
        self.app.discard_uncommitted()
        self.app.mempool.clear()
        self._unconfirmed.clear()

    # --- info and query connection ---

    def echo(self, request: Any) -> Any:
        """Echo the message back."""
        return self._types.ResponseEcho(message=request.message)

    def flush(self, request: Any) -> Any:
        """Nothing to do here: the server writes out pending responses before answering."""
        return self._types.ResponseFlush()

    def info(self, request: Any) -> Any:
        """Last committed height and app hash: CometBFT's handshake replays the blocks after it."""
        info = self.app.info()
        return self._types.ResponseInfo(
            data="gostaking",
            version=self.version,
            app_version=APP_VERSION,
            last_block_height=info.height,
            last_block_app_hash=info.app_hash if info.height else b"",
        )

    def query(self, request: Any) -> Any:
        """The app's queries (/info, /state, /tx) over committed data."""
        result = self.app.query(request.path, bytes(request.data))
        return self._types.ResponseQuery(
            code=result.code, log=result.log, key=request.data, value=result.value, height=result.height
        )

    # --- consensus connection ---

    def init_chain(self, request: Any) -> Any:
        """Build genesis from `app_state` (our Genesis JSON) and return the genesis nodes as validators.

        Refuses a chain id or initial height that differs from the app's, and CometBFT genesis validators that
        are not exactly the genesis nodes at equal power (their keys would not match the chain's nodes).
        """
        if not request.app_state_bytes:
            raise AbciRequestError("CometBFT genesis has no app_state: put the GoStaking genesis document there")
        genesis = decode_genesis(bytes(request.app_state_bytes))
        if genesis.chain_id != request.chain_id:
            raise AbciRequestError(
                f"CometBFT chain_id {request.chain_id!r} differs from the app genesis chain_id {genesis.chain_id!r}"
            )
        if request.initial_height not in (0, 1):
            raise AbciRequestError(f"initial_height must be 1, got {request.initial_height}")
        if self.app.info().chain_id:
            # Genesis state from an earlier InitChain of this process was never committed (CometBFT restarted
            # before block 1): start over from the empty store.
            self.app.discard_uncommitted()
        updates, app_hash = self.app.init_chain(encode_genesis(genesis))
        ours = sorted((update.consensus_pubkey, update.power) for update in updates)
        theirs = sorted((bytes(v.pub_key.ed25519), int(v.power)) for v in request.validators)
        if theirs and theirs != ours:
            self.app.discard_uncommitted()
            raise AbciRequestError(
                "CometBFT genesis validators differ from the app's genesis nodes: expected "
                + ", ".join(f"{consensus_address(key)} power {power}" for key, power in ours)
            )
        return self._types.ResponseInitChain(validators=self._validator_updates(updates), app_hash=app_hash)

    def prepare_proposal(self, request: Any) -> Any:
        """Propose CometBFT's mempool transactions that CheckTx still accepts, the highest fee first (each sender's
        in sequence order, as the devnet producer reaps), up to max_tx_bytes: CometBFT's mempool is FIFO, so
        the fee priority of the chain's mempool is applied here. A transaction the CheckTx record holds, checked since
        the last commit, is not verified again (GoStakingApp.check_proposal_tx)."""
        scratch = Mempool(CHECK_STATE_MAX_TXS, CHECK_STATE_MAX_BYTES, max_per_sender=CHECK_STATE_MAX_TXS)
        unconfirmed = self._unconfirmed
        confirmed = lambda hash_: hash_ not in unconfirmed  # noqa: E731  (checked since the last commit)
        for raw_tx in request.txs:
            self.app.check_proposal_tx(bytes(raw_tx), scratch, confirmed)
        chosen = scratch.reap(len(request.txs), request.max_tx_bytes, size_of=proto_tx_size)
        return self._types.ResponsePrepareProposal(txs=chosen)

    def process_proposal(self, request: Any) -> Any:
        """Accept unless a transaction is undecodable or too large (invalid ones just fail in the block)."""
        status = self._types.ResponseProcessProposal
        with self.app.read() as state:
            max_tx_bytes = state.params.get().tx.max_tx_bytes
        for raw_tx in request.txs:
            tx = bytes(raw_tx)
            if len(tx) > max_tx_bytes:
                return status(status=status.REJECT)
            try:
                decode_tx(tx)
            except ChainError:
                return status(status=status.REJECT)
        return status(status=status.ACCEPT)

    def extend_vote(self, request: Any) -> Any:
        """No vote extensions."""
        return self._types.ResponseExtendVote()

    def verify_vote_extension(self, request: Any) -> Any:
        """No vote extensions, so every (empty) one is fine."""
        status = self._types.ResponseVerifyVoteExtension
        return status(status=status.ACCEPT)

    def finalize_block(self, request: Any) -> Any:
        """Execute the decided block: signers/absent from decided_last_commit, misbehavior as evidence."""
        signers: list[str] = []
        absent: list[str] = []
        for vote in request.decided_last_commit.votes:
            address = bytes(vote.validator.address).hex().upper()
            if vote.block_id_flag == self._flag_commit:
                signers.append(address)
            elif vote.block_id_flag == self._flag_absent:
                absent.append(address)
            # A nil vote signed, just not this block: neither rewarded for it nor counted as downtime.
        misbehavior: list[Misbehavior] = []
        for fault in request.misbehavior:
            kind = _MISBEHAVIOR_KINDS.get(int(fault.type))
            if kind is None:
                log.warning("ignoring misbehavior of unknown type %d at height %d", fault.type, fault.height)
                continue
            misbehavior.append(Misbehavior(kind, bytes(fault.validator.address).hex().upper(), int(fault.height)))
        result, app_hash = self.app.finalize_block(
            int(request.height),
            timestamp_ms(request.time),
            [bytes(tx) for tx in request.txs],
            bytes(request.proposer_address).hex().upper(),
            signers,
            absent=absent,
            misbehavior=misbehavior,
        )
        # Built in place with `add` (each nested message is created once inside its parent, not built and then copied
        # in): a block of transfers has a few events of a few attributes per transaction.
        response = self._types.ResponseFinalizeBlock(
            validator_updates=self._validator_updates(result.validator_updates), app_hash=app_hash
        )
        _add_events(response.events, result.events)
        add_tx_result = response.tx_results.add
        for tx_result in result.tx_results:
            code = tx_result.code
            executed = add_tx_result(code=code, log=tx_result.log, codespace="gostaking" if code else "")
            _add_events(executed.events, tx_result.events)
        return response

    def commit(self, request: Any) -> Any:
        """Persist the finalized block (state, height and app hash in one batch; the app's commit also drops
        included and now-invalid transactions from the CheckTx record), and forget record entries that CometBFT
        did not recheck after the previous Commit. The retain height is the pruner's (0: CometBFT keeps every block);
        it is computed after the snapshot is handed over, so a snapshot just begun holds its blocks."""
        self.app.commit()
        if self.snapshot_taker is not None:
            self.snapshot_taker.after_commit(self.app.height, self.app.export_state)
        retain_height = self.pruner.after_commit() if self.pruner is not None else 0
        mempool = self.app.mempool
        for hash_ in self._unconfirmed:
            mempool.drop(hash_, "CometBFT no longer holds it (its mempool was full, or it found it invalid)")
        self._unconfirmed = set(mempool.hashes())
        return self._types.ResponseCommit(retain_height=retain_height)

    # --- mempool connection ---

    def check_tx(self, request: Any) -> Any:
        """Validate against committed state plus this sender's transactions waiting in the record.

        New: a new transaction (added to the record if valid). Recheck (after a Commit, in mempool order): verify
        again a transaction the record still holds, or check it as new if the record no longer does.
        """
        tx = bytes(request.tx)
        if request.type == self._types.RECHECK:
            result = self.app.recheck_tx(tx)
        else:
            result = self.app.check_tx(tx, True, wait_for_commit=False)
        if result.ok:
            self._unconfirmed.discard(result.tx_hash)
        return self._types.ResponseCheckTx(
            code=result.code, log=result.log, info=result.error, codespace="gostaking" if result.code else ""
        )

    # --- snapshot connection: state sync (gostaking/node/snapshots) ---

    def list_snapshots(self, request: Any) -> Any:
        """The snapshots this node keeps (none unless it takes them)."""
        types = self._types
        if self.snapshot_taker is None:
            return types.ResponseListSnapshots()
        return types.ResponseListSnapshots(
            snapshots=[
                types.Snapshot(
                    height=metadata.height,
                    format=metadata.format,
                    chunks=len(metadata.chunk_hashes),
                    hash=metadata.hash,
                    metadata=encode_metadata(metadata),
                )
                for metadata in self.snapshot_taker.store.snapshots()
            ]
        )

    def load_snapshot_chunk(self, request: Any) -> Any:
        """One chunk of a kept snapshot (empty when it is gone: CometBFT then asks another peer)."""
        chunk = b""
        if self.snapshot_taker is not None:
            chunk = self.snapshot_taker.store.load_chunk(int(request.height), int(request.chunk))
        return self._types.ResponseLoadSnapshotChunk(chunk=chunk)

    def offer_snapshot(self, request: Any) -> Any:
        """Accept a snapshot of the known format whose app hash is the light-client verified one."""
        response = self._types.ResponseOfferSnapshot
        if self.restorer is None:
            return response(result=response.REJECT)
        snapshot = request.snapshot
        offered = OfferedSnapshot(
            int(snapshot.height),
            int(snapshot.format),
            int(snapshot.chunks),
            bytes(snapshot.hash),
            bytes(snapshot.metadata),
        )
        result, reason = self.restorer.offer(offered, bytes(request.app_hash))
        log.warning("state sync: snapshot of height %d offered: %s (%s)", offered.height, result.value, reason)
        return response(result=getattr(response, result.value))

    def apply_snapshot_chunk(self, request: Any) -> Any:
        """Verify and apply one chunk: RETRY (refetch it, drop its sender) when it differs from its hash,
        REJECT_SNAPSHOT when the restored state is not the snapshot's app hash, ACCEPT otherwise."""
        response = self._types.ResponseApplySnapshotChunk
        if self.restorer is None:
            return response(result=response.ABORT)
        outcome = self.restorer.apply_chunk(int(request.index), bytes(request.chunk), str(request.sender))
        if outcome.result is not ChunkResult.ACCEPT or outcome.reason:
            log.warning("state sync: chunk %d: %s (%s)", request.index, outcome.result.value, outcome.reason)
        return response(
            result=getattr(response, outcome.result.value),
            refetch_chunks=list(outcome.refetch_chunks),
            reject_senders=list(outcome.reject_senders),
        )

    # --- conversions ---

    def _validator_updates(self, updates: tuple[ValidatorUpdate, ...]) -> list[Any]:
        return [
            self._types.ValidatorUpdate(
                pub_key=self._keys.PublicKey(ed25519=update.consensus_pubkey), power=update.power
            )
            for update in updates
        ]


def _add_events(field: Any, events: tuple[Event, ...]) -> None:
    """Append the chain's events to a repeated abci.Event field."""
    add_event = field.add
    for event in events:
        add_attribute = add_event(type=event.kind).attributes.add
        for key, value in event.attributes:
            add_attribute(key=key, value=value)
