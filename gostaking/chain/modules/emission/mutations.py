"""Minting the block reward and burning by reverse split."""

from msgspec.structs import replace

from gostaking.chain.constants import REWARDS_ACCOUNT
from gostaking.chain.env import Context
from gostaking.chain.modules.bank.mutations import apply_reverse_split, mint_gos
from gostaking.chain.modules.emission.events import BurnEvent, MintEvent
from gostaking.chain.modules.emission.queries import compute_block_reward, compute_burn_number
from gostaking.chain.modules.emission.tables import EMISSION
from gostaking.chain.state import State


def mint_block_reward(state: State, ctx: Context) -> int:
    """Mint this height's reward into the rewards module account; returns the shares minted.

    The fraction of a share a reward leaves over after a burn is carried to the next one (EmissionState.mint_carry),
    so the schedule creates exactly its total."""
    reward = compute_block_reward(state.params.get().emission, ctx.height)
    if reward == 0:
        return 0
    emission = state[EMISSION].get()
    shares, carry = mint_gos(state, REWARDS_ACCOUNT, reward, emission.mint_carry)
    if carry != emission.mint_carry:
        state[EMISSION].set(replace(emission, mint_carry=carry))
    ctx.emit(MintEvent(amount=reward, shares=shares))
    return shares


def burn_if_due(state: State, ctx: Context) -> None:
    """At a burn height, destroy the configured fraction of all GOS in O(1) (event `burn` says how much)."""
    params = state.params.get().emission
    number = compute_burn_number(params, ctx.height)
    if number == 0:
        return
    burned = apply_reverse_split(state, params.burn_numerator, params.burn_denominator)
    state[EMISSION].set(replace(state[EMISSION].get(), burns_done=number, last_burn_height=ctx.height))
    ctx.emit(BurnEvent(number=number, amount=burned))
