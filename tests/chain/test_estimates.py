"""Prospective earnings (mining.queries.compute_prospective_estimate): what an account would earn if it also voted,
staked or locked, computed from the chain's own figures, and equal to what it gets once it really does it."""

import pytest

from gostaking.chain.errors import InvalidAmountError, UnknownAssetError
from gostaking.chain.genesis import GenesisBalance
from gostaking.chain.modules.lock.queries import compute_lock_pool_id
from gostaking.chain.modules.mining.queries import (
    compute_earnings_estimate,
    compute_prospective_estimate,
    get_account_hash_power,
    get_total_hash_power,
)
from gostaking.chain.numeric import MICRO_HASH_PER_HASH, PPM
from gostaking.chain.types.mining import POOL_STAKE, POOL_VOTE
from gostaking.chain.types.params import BLOCKS_PER_DAY, ChainParams
from gostaking.chain.types.tx import MsgLockAsset, MsgSendCoins, MsgStakeNode, MsgVoteNode

from harness import GOS, Chain, key, make_chain, snapshot

ALICE = key(1)
BOB = key(2)
OPERATOR = key(1000)
FEE = 1_000

ALICE_LOCKS = {"btc": 1 * 10**8, "eth": 20 * 10**18, "dcr": 100 * 10**8}
"""The whitepaper's Alice locks 1 BTC, 20 ETH and 100 DCR (base units), and votes and stakes 500 GOS each."""
ALICE_ADDITIONS = {
    **{compute_lock_pool_id(denom): amount for denom, amount in ALICE_LOCKS.items()},
    POOL_VOTE: 500 * GOS,
    POOL_STAKE: 500 * GOS,
}


def whitepaper_network() -> Chain:
    """Mainnet parameters, Alice funded with her assets and 1,000 GOS but holding no position yet, and Bob's
    796 BTC (796,000 H/s) locked: the rest of the whitepaper's 800,000 H/s network."""
    chain = make_chain(
        params=ChainParams(),
        balances=[
            *(GenesisBalance(ALICE.address, denom, amount) for denom, amount in ALICE_LOCKS.items()),
            GenesisBalance(BOB.address, "btc", 796 * 10**8),
        ],
        check=False,
    )
    chain.blocks(101)  # no premine: the operator mines the GOS Alice needs
    assert chain.run(OPERATOR, MsgSendCoins(ALICE.address, "ugos", 1_000 * GOS + 2 * FEE), fee=FEE).code == 0
    assert chain.run(OPERATOR, MsgSendCoins(BOB.address, "ugos", FEE), fee=FEE).code == 0
    assert chain.run(BOB, MsgLockAsset("btc", 796 * 10**8), fee=FEE).code == 0
    return chain


def alice_does_it(chain: Chain, *msgs: MsgLockAsset | MsgVoteNode | MsgStakeNode) -> None:
    result = chain.run(ALICE, *msgs, fee=FEE)
    assert result.code == 0, result.log


def test_alice_from_nothing_gets_the_whitepaper_numbers_before_and_after_she_does_it() -> None:
    chain = whitepaper_network()
    before = snapshot(chain.state)
    estimate = compute_prospective_estimate(chain.state, ALICE.address, ALICE_ADDITIONS)
    assert snapshot(chain.state) == before  # a query: nothing written

    assert estimate.now.hash_power == 0 and estimate.now.ugos_per_day == 0 and estimate.now.apr_ppm == 0
    assert estimate.now.network_hash_power == 796_000 * MICRO_HASH_PER_HASH
    whole = estimate.with_additions
    assert whole.hash_power == 4_000 * MICRO_HASH_PER_HASH
    assert whole.network_hash_power == 800_000 * MICRO_HASH_PER_HASH
    # 100 GOS a block × 2,880 blocks × 85% to users × 0.5% of the network.
    assert whole.ugos_per_day == 100 * GOS * BLOCKS_PER_DAY * 85 // 100 // 200 == 1_224 * GOS
    # Worth 10,000 + 4,000 + 3,000 (assets at their prices) + 1,000 GOS bonded = 18,000 GOS.
    assert whole.position_value_ugos == 18_000 * GOS
    assert whole.apr_ppm == 1_224 * 365 * PPM // 18_000
    assert estimate.additions == whole  # she had nothing: the additions are all of it

    alice_does_it(
        chain,
        *(MsgLockAsset(denom, amount) for denom, amount in ALICE_LOCKS.items()),
        MsgVoteNode(OPERATOR.address, ALICE_ADDITIONS[POOL_VOTE]),
        MsgStakeNode(OPERATOR.address, ALICE_ADDITIONS[POOL_STAKE]),
    )
    assert compute_earnings_estimate(chain.state, ALICE.address) == whole
    assert sum(get_account_hash_power(chain.state, ALICE.address).values()) == whole.hash_power
    assert get_total_hash_power(chain.state) == whole.network_hash_power


def test_adding_to_held_positions_matches_the_chain_and_the_addition_alone_earns_its_share() -> None:
    chain = whitepaper_network()
    alice_does_it(chain, MsgLockAsset("btc", 1 * 10**8), MsgVoteNode(OPERATOR.address, 500 * GOS))
    additions = {POOL_STAKE: 500 * GOS, "lock:dcr": 100 * 10**8}
    estimate = compute_prospective_estimate(chain.state, ALICE.address, additions)
    assert estimate.now == compute_earnings_estimate(chain.state, ALICE.address)
    assert estimate.now.hash_power == 1_500 * MICRO_HASH_PER_HASH

    alone = estimate.additions
    assert alone.hash_power == (1_500 + 600) * MICRO_HASH_PER_HASH  # stake ×3, 100 DCR × 30 GOS × 20%
    assert (
        alone.network_hash_power == estimate.with_additions.network_hash_power == 799_600 * MICRO_HASH_PER_HASH
    )  # 796,000 + 1,500 held + 2,100
    assert alone.position_value_ugos == (500 + 3_000) * GOS
    users_per_day = 100 * GOS * BLOCKS_PER_DAY * 85 // 100
    assert alone.ugos_per_day == users_per_day * 2_100 // 799_600
    assert alone.apr_ppm == alone.ugos_per_day * 365 * PPM // alone.position_value_ugos
    # The held positions earn less once the network grows: the whole is less than now + the addition's own share.
    assert estimate.with_additions.ugos_per_day < estimate.now.ugos_per_day + alone.ugos_per_day

    alice_does_it(chain, MsgStakeNode(OPERATOR.address, 500 * GOS), MsgLockAsset("dcr", 100 * 10**8))
    assert compute_earnings_estimate(chain.state, ALICE.address) == estimate.with_additions


def test_a_stake_gives_three_times_the_hash_power_of_a_vote() -> None:
    chain = whitepaper_network()
    vote = compute_prospective_estimate(chain.state, ALICE.address, {POOL_VOTE: 7 * GOS}).additions
    stake = compute_prospective_estimate(chain.state, ALICE.address, {POOL_STAKE: 7 * GOS}).additions
    assert (vote.hash_power, stake.hash_power) == (7 * MICRO_HASH_PER_HASH, 21 * MICRO_HASH_PER_HASH)
    assert vote.position_value_ugos == stake.position_value_ugos == 7 * GOS


def test_no_additions_is_the_account_estimate() -> None:
    chain = whitepaper_network()
    estimate = compute_prospective_estimate(chain.state, BOB.address, {})
    assert estimate.now == estimate.with_additions == compute_earnings_estimate(chain.state, BOB.address)
    assert estimate.additions.hash_power == estimate.additions.ugos_per_day == 0


@pytest.mark.parametrize(
    ("additions", "error", "words"),
    [
        ({"lock:doge": 1}, UnknownAssetError, "lock:doge"),
        ({POOL_VOTE: 0}, InvalidAmountError, "got 0"),
        ({POOL_STAKE: -5}, InvalidAmountError, "got -5"),
        ({"lock:btc": 2**256}, InvalidAmountError, "2^256-1"),
    ],
)
def test_bad_additions_raise_a_typed_error(additions: dict[str, int], error: type[Exception], words: str) -> None:
    chain = whitepaper_network()
    with pytest.raises(error, match=words.replace("^", r"\^")):
        compute_prospective_estimate(chain.state, ALICE.address, additions)
