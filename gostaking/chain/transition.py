"""The state transition: the only place where the order of work inside a block is written.

begin block  →  each module's begin-block hooks, in module order: burn if due (emission); double signs, then
                downtime, then matured unbondings, bounded (staking); due redemption tickets paid oldest first,
                bounded (liquid)
transactions →  each: verify → fee + sequence → messages, atomically (a failed message keeps the fee);
                `simulate_tx` runs one the same way and reverts it (POST /txs/simulate)
end block    →  each module's end-block hooks, in module order: mint and share the reward 85% users / 10% mining
                nodes (+ fees) / 5% candidates (nodes); record the changed pools' closing prices for the oracle
                (dex); after a burn, re-observe the markets' clearing prices, then run the auction of every market
                that received orders and close expired orders, bounded (book); aggregate prices at a period's end
                (oracle); every rebalance interval, claim and restake the module's rewards and spread its stake
                over nodes (liquid); close votes and expire ratifications (gov)
end of epoch →  at an epoch's last block, each module's end-of-epoch hooks: the election (nodes)

The hooks come from the registry (`state.registry`, built from the module list in `modules/__init__.py`), so
this file names the phases and their order, not the modules: a new module's hooks run in its place in the list.
"""

from collections.abc import MutableMapping

from gostaking.chain.codec import decode_tx, sign_bytes, tx_hash
from gostaking.chain.constants import FEE_COLLECTOR_ACCOUNT
from gostaking.chain.crypto import address_from_pubkey, recover_signer, require_multisig_signed
from gostaking.chain.env import Context
from gostaking.chain.errors import (
    BadSequenceError,
    ChainError,
    DecodeError,
    InsufficientFeeError,
    InsufficientFundsError,
    InvalidMessageError,
    InvalidSignatureError,
    ModuleAccountError,
    WrongChainIdError,
    fail,
    require,
)
from gostaking.chain.module import Registry
from gostaking.chain.modules.bank.mutations import increment_sequence, move_gos
from gostaking.chain.modules.bank.queries import get_account, get_balance
from gostaking.chain.modules.compliance.queries import require_not_frozen
from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.state import State
from gostaking.chain.types.block import BlockEnv, BlockResult, TxResult, ValidatorUpdate
from gostaking.chain.types.params import TxParams
from gostaking.chain.types.tx import Tx

VerifiedSigners = MutableMapping[bytes, str]
"""Tx hash (sha256 of the exact wire bytes) → the sender whose signature over those bytes a node process has
verified: the node's cache (node/sigcache.py), so that CheckTx, Recheck, PrepareProposal and FinalizeBlock recover
each transaction's public key once. A signature check depends on the bytes alone, never on state."""


def verify_tx(
    state: State,
    chain_id: str,
    raw: bytes,
    expected_sequence: int | None = None,
    verified: VerifiedSigners | None = None,
) -> Tx:
    """Stateless and account checks shared by block execution and the mempool.

    Checks size, encoding, chain id, memo and message count, each message's own checks (its module's
    `check_<msg>`), the signature against the declared sender, the sequence (the account's next one, or
    `expected_sequence` for a mempool holding earlier txs) and that the fee is at least the minimum and affordable.
    With `verified`, the signature's cryptography is skipped for bytes it records as signed by their sender, and
    recorded once checked; every other check runs as without it.
    """
    return _verify_tx(state, chain_id, raw, b"" if verified is None else tx_hash(raw), expected_sequence, verified)


def _verify_tx(
    state: State,
    chain_id: str,
    raw: bytes,
    hash_: bytes,
    expected_sequence: int | None,
    verified: VerifiedSigners | None,
) -> Tx:
    """`verify_tx`, given the transaction's hash `hash_` when `verified` is given (not computed twice per block)."""
    params = state.params.get().tx
    tx = _decode_well_formed(params, state.registry, chain_id, raw)
    body = tx.body
    sender = body.sender
    # Each message's own checks (amounts, addresses, denoms…) before the costly signature recovery: a message that
    # could never be valid makes the whole transaction invalid, so no fee or sequence is taken for it.
    checks = state.registry.checks
    for msg in body.msgs:
        check = checks.get(type(msg))
        if check is not None:
            check(state, msg)
    if verified is None:
        require_sender_signed(tx)
    else:
        require_sender_signed_once(tx, hash_, verified)
    require_not_frozen(state, sender)
    sequence = get_account(state, sender).sequence if expected_sequence is None else expected_sequence
    # Checks whose message is formatted from values are written `if ...: fail(...)`: they run for every
    # transaction, and `require` would format each message even when the check passes.
    if body.sequence != sequence:
        fail(BadSequenceError, f"sequence {body.sequence}, expected {sequence}")
    fee = body.fee
    if fee < params.min_fee_ugos:
        fail(InsufficientFeeError, f"fee {fee} below {params.min_fee_ugos} ugos")
    balance = get_balance(state, sender, GOS_DENOM)
    if balance < fee:
        fail(InsufficientFundsError, f"fee {fee} ugos exceeds the balance of {balance} ugos")
    return tx


def _decode_well_formed(params: TxParams, registry: Registry, chain_id: str, raw: bytes) -> Tx:
    """The transaction `raw` decoded, after the checks that read no table: size, canonical encoding, chain id,
    message count, memo length, a sender that is no module account."""
    if len(raw) > params.max_tx_bytes:
        fail(DecodeError, f"transaction exceeds {params.max_tx_bytes} bytes")
    tx = decode_tx(raw, registry)
    body = tx.body
    if body.chain_id != chain_id:
        fail(WrongChainIdError, f"signed for chain {body.chain_id!r}, this is {chain_id!r}")
    if not 0 < len(body.msgs) <= params.max_msgs:
        fail(InvalidMessageError, f"a tx carries 1..{params.max_msgs} messages")
    require(len(body.memo.encode()) <= params.max_memo_bytes, InvalidMessageError, "memo too long")
    require(body.sender not in registry.module_accounts, ModuleAccountError, "module accounts cannot sign")
    return tx


def require_sender_signed(tx: Tx) -> None:
    """Raise InvalidSignatureError unless the body was signed by its sender: one key's 65-byte `signature`, or
    (with an empty `signature`) the `multisig` of the account the sender names."""
    body, multisig = tx.body, tx.multisig
    if multisig is None:
        signer = address_from_pubkey(recover_signer(sign_bytes(body), tx.signature))
        if signer != body.sender:
            fail(InvalidSignatureError, f"signature is by {signer}, not by sender {body.sender}")
        return
    require(
        not tx.signature,
        InvalidSignatureError,
        "a transaction carries one key's signature or a multisig's signatures, not both",
    )
    require_multisig_signed(sign_bytes(body), multisig, body.sender)


def require_sender_signed_once(tx: Tx, hash_: bytes, verified: VerifiedSigners) -> None:
    """`require_sender_signed`, unless `verified` records the transaction of hash `hash_` as signed by its sender;
    records it once checked. The hash covers every byte, signature and body alike, so bytes that differ in any way
    from ones verified before are checked in full."""
    sender = tx.body.sender
    if verified.get(hash_) == sender:
        return
    require_sender_signed(tx)
    verified[hash_] = sender


def execute_tx(state: State, env: BlockEnv, raw: bytes, verified: VerifiedSigners | None = None) -> TxResult:
    """Apply one transaction. Invalid ones change nothing; valid ones pay the fee even if a message fails.
    `verified`: see `verify_tx`."""
    hash_ = tx_hash(raw)
    try:
        body = _verify_tx(state, env.chain_id, raw, hash_, None, verified).body
        sender, fee = body.sender, body.fee
        with state.atomic():
            if fee:
                move_gos(state, sender, FEE_COLLECTOR_ACCOUNT, fee)
            increment_sequence(state, sender)
    except ChainError as error:
        return TxResult(code=error.code, log=f"{type(error).__name__}: {error}", tx_hash=hash_)
    ctx = Context(env, sender)
    handlers = state.registry.handlers
    try:
        with state.atomic():
            for msg in body.msgs:
                handlers[type(msg)](state, ctx, msg)
    except ChainError as error:
        return TxResult(error.code, f"{type(error).__name__}: {error}", hash_, sender, fee)
    return TxResult(0, "", hash_, sender, fee, tuple(ctx.events))


class _Discard(Exception):
    """Carries a simulation's result out of the scope whose writes it reverts."""

    def __init__(self, result: TxResult) -> None:
        super().__init__()
        self.result = result


def simulate_tx(state: State, env: BlockEnv, raw: bytes, pending_sequence: int | None, pending_fees: int) -> TxResult:
    """What `execute_tx` would return for `raw` in block `env` (the one after `state`'s) if it followed the sender's
    transactions waiting in a mempool: their fees (`pending_fees`) are charged and their sequences used (up to
    `pending_sequence`, the one this transaction must carry), as CheckTx counts them; their messages are not run.
    Every write is reverted: `state` is left as it was."""
    try:
        with state.atomic():
            # The scopes inside execute_tx are nested in this one, so they keep their undo records (only the outermost
            # open scope drops them on success) for the revert below.
            state.height.set(env.height)
            refused = _charge_pending(state, raw, pending_sequence, pending_fees)
            raise _Discard(refused if refused is not None else execute_tx(state, env, raw))
    except _Discard as discarded:
        return discarded.result


def _charge_pending(state: State, raw: bytes, pending_sequence: int | None, pending_fees: int) -> TxResult | None:
    """Charge the pending fees and use the pending sequences of `raw`'s sender; a TxResult (nothing charged, no fee
    taken) when the transaction does not decode or the sender cannot pay them."""
    if pending_sequence is None and not pending_fees:
        return None
    try:
        sender = decode_tx(raw, state.registry).body.sender
        if pending_fees:
            move_gos(state, sender, FEE_COLLECTOR_ACCOUNT, pending_fees)
        while pending_sequence is not None and get_account(state, sender).sequence < pending_sequence:
            increment_sequence(state, sender)
    except ChainError as error:
        return TxResult(error.code, f"{type(error).__name__}: {error}", tx_hash(raw))
    return None


def run_phase(state: State, ctx: Context, phase: str) -> tuple[ValidatorUpdate, ...]:
    """Run every module's hooks of one block phase, in module order; returns their consensus power changes."""
    updates: list[ValidatorUpdate] = []
    for _, hook in state.registry.hooks(phase):
        updates += hook(state, ctx) or ()
    return tuple(updates)


def is_epoch_end(state: State, height: int) -> bool:
    """True at the last block of an epoch (every `nodes.epoch_blocks` blocks), when the mining set is elected."""
    return height % state.params.get().nodes.epoch_blocks == 0


def merge_validator_updates(updates: tuple[ValidatorUpdate, ...]) -> tuple[ValidatorUpdate, ...]:
    """One update per key, the last one winning (a node jailed in begin block and re-elected at the epoch end
    keeps its final power), in order of first appearance."""
    final: dict[bytes, ValidatorUpdate] = {}
    for update in updates:
        final[update.consensus_pubkey] = update
    return tuple(final.values())


def apply_block(state: State, env: BlockEnv, txs: list[bytes], verified: VerifiedSigners | None = None) -> BlockResult:
    """Execute a whole block on `state` (which must be at height env.height - 1). `verified`: signatures this
    process has already checked (see `verify_tx`); the result is the same with or without it."""
    expected = state.height.get() + 1
    if env.height != expected:
        raise ValueError(f"block height {env.height} does not follow state height {expected - 1}")
    if env.chain_id != state.chain_id.get():
        # A driver bug, not a transaction error: executing under another chain id would accept foreign txs.
        raise ValueError(f"block is for chain {env.chain_id!r}, state is chain {state.chain_id.get()!r}")
    ctx = Context(env)
    state.height.set(env.height)
    updates = run_phase(state, ctx, "begin_block")
    results = tuple(execute_tx(state, env, raw, verified) for raw in txs)
    updates += run_phase(state, ctx, "end_block")
    if is_epoch_end(state, env.height):
        updates += run_phase(state, ctx, "end_epoch")
    return BlockResult(
        height=env.height,
        tx_results=results,
        events=tuple(ctx.events),
        validator_updates=merge_validator_updates(updates),
    )
