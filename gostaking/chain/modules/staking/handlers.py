"""Vote, stake and their redemption."""

from gostaking.chain.crypto import require_address
from gostaking.chain.env import Context
from gostaking.chain.errors import require_amount
from gostaking.chain.modules.mining.handlers import settle_all_positions
from gostaking.chain.modules.nodes.mutations import settle_candidate_reward
from gostaking.chain.modules.nodes.tables import NODES
from gostaking.chain.modules.staking.events import ClaimEvent, StakeEvent, UnstakeEvent, UnvoteEvent, VoteEvent
from gostaking.chain.modules.staking.mutations import bond, unbond
from gostaking.chain.state import State
from gostaking.chain.types.tx import (
    BondMsg,
    MsgClaimRewards,
    MsgStakeNode,
    MsgUnstakeNode,
    MsgUnvoteNode,
    MsgVoteNode,
)


def check_bond(state: State, msg: BondMsg) -> None:
    """A gos1 node operator address and an amount within 1..2^256-1 (votes, stakes and their redemption)."""
    require_address(msg.node, "node")
    require_amount(msg.amount)


def process_vote_node(state: State, ctx: Context, msg: MsgVoteNode) -> None:
    """Vote GOS for a node: hash power ×1, redeemable any time with a 7-day return."""
    shares = bond(state, ctx, ctx.sender, msg.node, "vote", msg.amount)
    ctx.emit(VoteEvent(address=ctx.sender, node=msg.node, amount=msg.amount, shares=shares))


def process_stake_node(state: State, ctx: Context, msg: MsgStakeNode) -> None:
    """Stake GOS on a node: hash power ×3, redeemable any time with a 21-day return."""
    shares = bond(state, ctx, ctx.sender, msg.node, "stake", msg.amount)
    ctx.emit(StakeEvent(address=ctx.sender, node=msg.node, amount=msg.amount, shares=shares))


def process_unvote_node(state: State, ctx: Context, msg: MsgUnvoteNode) -> None:
    """Redeem votes: no hash power from now on, GOS back after the vote unbonding period."""
    shares, completion = unbond(state, ctx, ctx.sender, msg.node, "vote", msg.amount)
    ctx.emit(UnvoteEvent(address=ctx.sender, node=msg.node, amount=msg.amount, shares=shares, completes=completion))


def process_unstake_node(state: State, ctx: Context, msg: MsgUnstakeNode) -> None:
    """Redeem stake: no hash power from now on, GOS back after the stake unbonding period."""
    shares, completion = unbond(state, ctx, ctx.sender, msg.node, "stake", msg.amount)
    ctx.emit(UnstakeEvent(address=ctx.sender, node=msg.node, amount=msg.amount, shares=shares, completes=completion))


def process_claim_rewards(state: State, ctx: Context, msg: MsgClaimRewards) -> None:
    """Pay the sender every pending reward: its hash-power positions and, for an operator, its node's
    candidate rewards. Lives here because it spans the mining and nodes modules below."""
    paid = settle_all_positions(state, ctx, ctx.sender)
    if ctx.sender in state[NODES]:
        paid += settle_candidate_reward(state, ctx, ctx.sender)
    ctx.emit(ClaimEvent(address=ctx.sender, shares=paid))
