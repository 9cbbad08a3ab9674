"""The state transition: the only place where the order of work inside a block is written.

begin block  →  burn (if due) → complete matured unbondings (bounded)
transactions →  each: verify → fee + sequence → messages, atomically (a failed message keeps the fee)
end block    →  mint reward → users 85% / mining nodes 10% (+ fees) / candidates 5% → election at epoch end
"""

from gostaking.chain.codec import decode_tx, sign_bytes, tx_hash
from gostaking.chain.constants import (
    MODULE_ADDRESSES,
    MODULE_BY_ADDRESS,
    MODULE_FEE_COLLECTOR,
    MODULE_REWARDS,
)
from gostaking.chain.crypto import address_from_pubkey, recover_signer
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
    require,
)
from gostaking.chain.modules.bank.mutations import increment_sequence, move_gos, move_units
from gostaking.chain.modules.bank.queries import get_account, get_balance, get_shares
from gostaking.chain.modules.compliance.queries import require_not_frozen
from gostaking.chain.modules.emission.mutations import burn_if_due, mint_block_reward
from gostaking.chain.modules.gov.lifecycle import process_gov_deadlines
from gostaking.chain.modules.mining.mutations import distribute_user_rewards
from gostaking.chain.modules.nodes.mutations import (
    distribute_candidate_rewards,
    pay_mining_nodes,
    record_downtime,
    run_election,
)
from gostaking.chain.modules.oracle.lifecycle import aggregate_prices_if_due
from gostaking.chain.modules.staking.mutations import complete_unbondings
from gostaking.chain.modules.staking.slashing import punish_misbehavior
from gostaking.chain.numeric import GOS_DENOM, PPM
from gostaking.chain.router import route
from gostaking.chain.state import State
from gostaking.chain.types.block import BlockEnv, BlockResult, TxResult, ValidatorUpdate
from gostaking.chain.types.tx import Tx

_REWARDS = MODULE_ADDRESSES[MODULE_REWARDS]
_FEE_COLLECTOR = MODULE_ADDRESSES[MODULE_FEE_COLLECTOR]


def verify_tx(state: State, chain_id: str, raw: bytes, expected_sequence: int | None = None) -> Tx:
    """Stateless and account checks shared by block execution and the mempool.

    Checks size, encoding, chain id, memo and message count, the signature against the declared sender,
    the sequence (the account's next one, or `expected_sequence` for a mempool holding earlier txs) and
    that the fee is at least the minimum and affordable.
    """
    params = state.params.get().tx
    require(len(raw) <= params.max_tx_bytes, DecodeError, f"transaction exceeds {params.max_tx_bytes} bytes")
    tx = decode_tx(raw)
    body = tx.body
    require(
        body.chain_id == chain_id,
        WrongChainIdError,
        f"signed for chain {body.chain_id!r}, this is {chain_id!r}",
    )
    require(
        0 < len(body.msgs) <= params.max_msgs,
        InvalidMessageError,
        f"a tx carries 1..{params.max_msgs} messages",
    )
    require(len(body.memo.encode()) <= params.max_memo_bytes, InvalidMessageError, "memo too long")
    require(body.sender not in MODULE_BY_ADDRESS, ModuleAccountError, "module accounts cannot sign")
    signer = address_from_pubkey(recover_signer(sign_bytes(body), tx.signature))
    require(signer == body.sender, InvalidSignatureError, f"signature is by {signer}, not by sender {body.sender}")
    require_not_frozen(state, body.sender)
    sequence = get_account(state, body.sender).sequence if expected_sequence is None else expected_sequence
    require(body.sequence == sequence, BadSequenceError, f"sequence {body.sequence}, expected {sequence}")
    require(
        body.fee >= params.min_fee_ugos,
        InsufficientFeeError,
        f"fee {body.fee} below {params.min_fee_ugos} ugos",
    )
    balance = get_balance(state, body.sender, GOS_DENOM)
    require(balance >= body.fee, InsufficientFundsError, f"fee {body.fee} ugos exceeds the balance of {balance} ugos")
    return tx


def execute_tx(state: State, env: BlockEnv, raw: bytes) -> TxResult:
    """Apply one transaction. Invalid ones change nothing; valid ones pay the fee even if a message fails."""
    hash_ = tx_hash(raw)
    try:
        tx = verify_tx(state, env.chain_id, raw)
        sender = tx.body.sender
        with state.atomic():
            if tx.body.fee:
                move_gos(state, sender, _FEE_COLLECTOR, tx.body.fee)
            increment_sequence(state, sender)
    except ChainError as error:
        return TxResult(code=error.code, log=f"{type(error).__name__}: {error}", tx_hash=hash_)
    ctx = Context(env, sender)
    try:
        with state.atomic():
            for msg in tx.body.msgs:
                route(state, ctx, msg)
    except ChainError as error:
        return TxResult(error.code, f"{type(error).__name__}: {error}", hash_, sender, tx.body.fee)
    return TxResult(0, "", hash_, sender, tx.body.fee, tuple(ctx.events))


def begin_block(state: State, ctx: Context) -> tuple[ValidatorUpdate, ...]:
    """Work due before the block's transactions; returns validator removals of punished nodes."""
    burn_if_due(state, ctx)
    updates = punish_misbehavior(state, ctx)
    updates += record_downtime(state, ctx)
    complete_unbondings(state, ctx)
    return updates


def end_block(state: State, ctx: Context) -> tuple[ValidatorUpdate, ...]:
    """Mint and share the block reward, pay fees, and re-elect the mining set at the end of an epoch."""
    params = state.params.get()
    minted = mint_block_reward(state, ctx)
    users = minted * params.rewards.users_ppm // PPM
    mining_nodes = minted * params.rewards.mining_nodes_ppm // PPM
    candidates = minted - users - mining_nodes
    distribute_user_rewards(state, ctx, users)
    move_units(state, _REWARDS, _FEE_COLLECTOR, GOS_DENOM, mining_nodes)
    pay_mining_nodes(state, ctx, _FEE_COLLECTOR, get_shares(state, _FEE_COLLECTOR))
    distribute_candidate_rewards(state, ctx, _REWARDS, candidates)
    aggregate_prices_if_due(state, ctx)
    process_gov_deadlines(state, ctx)
    if ctx.height % params.nodes.epoch_blocks == 0:
        return run_election(state, ctx, ctx.height // params.nodes.epoch_blocks)
    return ()


def merge_validator_updates(updates: tuple[ValidatorUpdate, ...]) -> tuple[ValidatorUpdate, ...]:
    """One update per key, the last one winning (a node jailed in begin block and re-elected at the epoch end
    keeps its final power), in order of first appearance."""
    final: dict[bytes, ValidatorUpdate] = {}
    for update in updates:
        final[update.consensus_pubkey] = update
    return tuple(final.values())


def apply_block(state: State, env: BlockEnv, txs: list[bytes]) -> BlockResult:
    """Execute a whole block on `state` (which must be at height env.height - 1)."""
    expected = state.height.get() + 1
    if env.height != expected:
        raise ValueError(f"block height {env.height} does not follow state height {expected - 1}")
    if env.chain_id != state.chain_id.get():
        # A driver bug, not a transaction error: executing under another chain id would accept foreign txs.
        raise ValueError(f"block is for chain {env.chain_id!r}, state is chain {state.chain_id.get()!r}")
    ctx = Context(env)
    state.height.set(env.height)
    begin_updates = begin_block(state, ctx)
    results = tuple(execute_tx(state, env, raw) for raw in txs)
    updates = merge_validator_updates(begin_updates + end_block(state, ctx))
    return BlockResult(height=env.height, tx_results=results, events=tuple(ctx.events), validator_updates=updates)
