"""The emission schedule creates exactly its 30,240,000 GOS, burns included: after a burn a block reward is rarely
a whole number of shares, and the fraction left over is carried to the next reward instead of being lost
(it used to be: up to 1 ugos short per block, 0.06048 GOS over the schedule)."""

import time

from gostaking.chain.env import Context
from gostaking.chain.genesis import Genesis, init_chain
from gostaking.chain.modules.emission.mutations import burn_if_due, mint_block_reward
from gostaking.chain.modules.emission.queries import compute_burn_heights, compute_total_emission
from gostaking.chain.numeric import INDEX_ONE
from gostaking.chain.state import State
from gostaking.chain.types.block import BlockEnv
from gostaking.chain.types.params import ChainParams, EmissionParams


def test_the_whole_mainnet_schedule_creates_exactly_its_total_through_every_burn() -> None:
    state = State()
    init_chain(state, Genesis("exact-emission", 0))
    params = EmissionParams()  # mainnet: 518,400 reward blocks, burns from 432,001 every 86,400 blocks
    last_height = max(compute_burn_heights(params)[-1], 3 * params.halving_interval_blocks)
    created = 0
    """GOS created, as the exact value of the shares minted at the index of their block (× INDEX_ONE)."""
    started = time.monotonic()
    for height in range(1, last_height + 1):
        ctx = Context(BlockEnv("exact-emission", height, height * 30_000))
        burn_if_due(state, ctx)
        index = state.gos_supply.get().index
        created += mint_block_reward(state, ctx) * index
        if height % 50_000 == 0:
            state.take_block_writes()  # keep the journal and dirty sets small
    carry = state.emission.get().mint_carry
    total = compute_total_emission(params)
    assert total == 30_240_000 * 10**6
    assert state.emission.get().burns_done == 6
    # Every reward was minted in full but for less than one ugos still carried (exact rational arithmetic).
    assert created + carry == total * INDEX_ONE
    assert 0 <= carry < state.gos_supply.get().index
    assert time.monotonic() - started < 60


def test_the_carry_is_unwritten_before_the_first_burn_then_joins_each_reward_and_survives_burns() -> None:
    """Before any burn every reward is whole shares and nothing is written (app hashes of young chains do not
    move); after one, each reward takes the carried fraction and leaves the new one, and a burn keeps it."""
    params = ChainParams(emission=EmissionParams(initial_reward_ugos=25_000_000, burn_start_height=3))
    state = State()
    init_chain(state, Genesis("carry", 0, params=params))
    state.take_block_writes()
    mint_block_reward(state, Context(BlockEnv("carry", 1, 0)))
    assert not any(key.startswith(b"emission/") for key in state.take_block_writes())
    expected_carry = 0
    for height in range(3, 9):
        ctx = Context(BlockEnv("carry", height, 0))
        burn_if_due(state, ctx)  # one burn at height 3: the index becomes 0.9 × INDEX_ONE
        assert state.emission.get().mint_carry == expected_carry  # the burn kept it
        index = state.gos_supply.get().index
        shares = mint_block_reward(state, ctx)
        expected_shares, expected_carry = divmod(25_000_000 * INDEX_ONE + expected_carry, index)
        assert (shares, state.emission.get().mint_carry) == (expected_shares, expected_carry)
    assert state.gos_supply.get().index == INDEX_ONE * 9 // 10
