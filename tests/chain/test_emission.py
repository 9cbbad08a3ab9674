"""Emission schedule (halvings, 30,240,000 GOS cap) and the six burns done as O(1) reverse splits."""

import math

import pytest

from gostaking.chain.modules.bank.queries import get_gos_supply_ugos, get_shares
from gostaking.chain.modules.emission.queries import (
    compute_block_reward,
    compute_burn_number,
    compute_emitted_until,
    compute_next_burn_height,
    compute_next_halving_height,
    compute_total_emission,
)
from gostaking.chain.modules.mining.queries import get_account_hash_power
from gostaking.chain.types.params import EmissionParams
from gostaking.chain.types.tx import MsgVoteNode

from harness import GOS, TEST_PARAMS, fund_gos, key, make_chain

MAINNET = EmissionParams()


@pytest.mark.parametrize(
    ("height", "reward_gos"),
    [(0, 0), (1, 100), (172_800, 100), (172_801, 50), (345_600, 50), (345_601, 25), (518_400, 25), (518_401, 0)],
)
def test_block_reward_halves_every_172800_blocks_and_stops_after_518400(height: int, reward_gos: int) -> None:
    assert compute_block_reward(MAINNET, height) == reward_gos * GOS


def test_total_emission_is_exactly_30_240_000_gos() -> None:
    assert compute_total_emission(MAINNET) == 30_240_000 * GOS
    assert compute_emitted_until(MAINNET, 518_400) == 30_240_000 * GOS
    assert compute_emitted_until(MAINNET, 10**9) == 30_240_000 * GOS
    assert compute_emitted_until(MAINNET, 172_800) == 17_280_000 * GOS


def test_emitted_until_matches_summing_block_by_block() -> None:
    small = EmissionParams(initial_reward_ugos=1_000, halving_interval_blocks=7, reward_eras=4)
    running = 0
    for height in range(0, 40):
        running += compute_block_reward(small, height)
        assert compute_emitted_until(small, height) == running


def test_six_monthly_burns_start_one_month_after_the_last_halving() -> None:
    last_halving = 345_601
    expected = [last_halving + 86_400 * n for n in range(1, 7)]
    burns = [
        h for h in expected + [h + 1 for h in expected] + [expected[-1] + 86_400] if compute_burn_number(MAINNET, h)
    ]
    assert burns == expected
    assert [compute_burn_number(MAINNET, h) for h in expected] == [1, 2, 3, 4, 5, 6]
    assert compute_next_burn_height(MAINNET, 0) == 432_001
    assert compute_next_burn_height(MAINNET, expected[-1]) is None


def test_next_halving_height() -> None:
    assert compute_next_halving_height(MAINNET, 1) == 172_801
    assert compute_next_halving_height(MAINNET, 172_801) == 345_601
    assert compute_next_halving_height(MAINNET, 345_601) == 518_401
    assert compute_next_halving_height(MAINNET, 518_401) is None


def test_chain_mints_by_the_schedule_and_burns_ten_percent_six_times_without_touching_holders() -> None:
    params = TEST_PARAMS.emission  # 10,000 GOS a block, halving every 200 blocks, burns from 500 every 50
    chain = make_chain()
    holders = [key(10 + i) for i in range(20)]
    for holder in holders:
        fund_gos(chain, holder.address, 1_000 * GOS)
    voter = holders[0]
    assert chain.run(voter, MsgVoteNode(key(1000).address, 500 * GOS)).code == 0
    shares_before = {h.address: get_shares(chain.state, h.address) for h in holders}

    while chain.height < params.burn_start_height - 1:
        chain.block()
    for number in range(1, params.burn_count + 1):
        supply_before = get_gos_supply_ugos(chain.state)
        vote_power_before = get_account_hash_power(chain.state, voter.address)["vote"]
        chain.block()  # the burn block (also mints, since emission has not ended at this height)
        state = chain.state
        assert state.emission.get().burns_done == number
        minted_this_block = compute_block_reward(params, chain.height)
        supply_after = get_gos_supply_ugos(state)
        # 10% of everything is gone (up to one ugos of rounding), then the block reward is added.
        assert abs(supply_after - minted_this_block - supply_before * 9 // 10) <= 1
        assert abs(get_account_hash_power(state, voter.address)["vote"] - vote_power_before * 9 // 10) <= 1
        # The burn is a reverse split: shares, and so everyone's fraction of supply, are untouched.
        for holder in holders[1:]:
            assert get_shares(state, holder.address) == shares_before[holder.address]
        while chain.height < params.burn_start_height + number * params.burn_interval_blocks - 1:
            chain.block()
    assert chain.state.emission.get().burns_done == params.burn_count
    index = chain.state.gos_supply.get().index
    assert abs(index - 10**18 * 9**6 // 10**6) <= 6  # 0.9^6 of the start, up to rounding of each burn
    chain.blocks(params.burn_interval_blocks * 2)
    assert chain.state.emission.get().burns_done == params.burn_count  # no seventh burn


def test_a_burn_writes_the_same_keys_whatever_the_number_of_holders() -> None:
    params = TEST_PARAMS.emission
    chain = make_chain()
    for i in range(30):
        fund_gos(chain, key(10 + i).address, 10 * GOS)
    # Compare with an earlier block that also ends an epoch and an oracle period (its TWAP checkpoints).
    step = math.lcm(TEST_PARAMS.nodes.epoch_blocks, TEST_PARAMS.oracle.period_blocks)
    assert params.burn_start_height % step == 0
    while chain.height < params.burn_start_height - step - 1:
        chain.block()
    chain.state.take_block_writes()
    chain.block()
    ordinary = set(chain.state.take_block_writes())
    while chain.height < params.burn_start_height - 1:
        chain.block()
    chain.state.take_block_writes()
    chain.block()
    assert chain.state.emission.get().burns_done == 1
    burn = set(chain.state.take_block_writes())
    # The burn's own row, and the exchange noting the index it observed its pools' and its markets' prices at (one
    # row each: prices are re-observed only for pools with liquidity and markets that traded, and none has here).
    assert burn - ordinary == {b'emission/""', b'dex_observed_gos_index/""', b'book_observed_gos_index/""'}
    assert len(burn) == len(ordinary) + 3


def test_minted_supply_never_exceeds_the_cap_on_a_fast_schedule() -> None:
    chain = make_chain(check=False)
    total = compute_total_emission(TEST_PARAMS.emission)
    chain.blocks(TEST_PARAMS.emission.halving_interval_blocks * TEST_PARAMS.emission.reward_eras + 10)
    assert chain.state.gos_supply.get().minted_ugos == total == 10_000 * GOS * 200 * 7 // 4
