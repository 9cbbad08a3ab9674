"""MsgUnstakeNode (staking.handlers.process_unstake_node): redeeming stake.

Rules: the ×3 hash power stops at once; the GOS waits (earning nothing) and returns at
created_height + stake_unbonding_blocks (15 in TEST_PARAMS), not before; completions are bounded per block
(3 in TEST_PARAMS) and follow queue order (completion height, then arrival) across votes and stakes.
"""

import pytest

from gostaking.chain.constants import MODULE_ADDRESSES, MODULE_UNBONDING
from gostaking.chain.errors import (
    InsufficientDelegationError,
    InvalidAddressError,
    InvalidAmountError,
    UnknownNodeError,
)
from gostaking.chain.modules.bank.queries import get_gos_index, get_shares
from gostaking.chain.modules.mining.queries import get_account_hash_power, get_pending_reward_shares
from gostaking.chain.modules.nodes.queries import get_node_backing_ugos
from gostaking.chain.modules.staking.queries import get_delegation_shares, get_delegations, get_unbondings
from gostaking.chain.numeric import INDEX_ONE, MICRO_HASH_PER_HASH, PPM
from gostaking.chain.types.staking import Unbonding
from gostaking.chain.types.tx import MsgStakeNode, MsgUnstakeNode, MsgUnvoteNode, MsgVoteNode

from harness import (
    GOS,
    TEST_PARAMS,
    Chain,
    events_of,
    expect_msg_failure,
    fund_gos,
    key,
    make_chain,
    with_params,
)

ALICE, BOB = key(1), key(2)
NODE0, NODE1 = key(1000).address, key(1001).address
H = MICRO_HASH_PER_HASH
FEE = 1_000
STAKED = 300 * GOS
PERIOD = TEST_PARAMS.staking.stake_unbonding_blocks
VOTE_PERIOD = TEST_PARAMS.staking.vote_unbonding_blocks
UNBONDING = MODULE_ADDRESSES[MODULE_UNBONDING]
USERS_PER_BLOCK = TEST_PARAMS.emission.initial_reward_ugos * TEST_PARAMS.rewards.users_ppm // PPM
assert (PERIOD, VOTE_PERIOD, TEST_PARAMS.staking.max_unbonding_completions_per_block) == (15, 5, 3)


@pytest.fixture
def chain() -> Chain:
    """Alice has staked 300 GOS on node 0; Bob has GOS but no bonds."""
    c = make_chain(node_count=2)
    fund_gos(c, ALICE.address, 1_000 * GOS)
    fund_gos(c, BOB.address, 1_000 * GOS)
    assert c.run(ALICE, MsgStakeNode(NODE0, STAKED)).code == 0
    return c


def _completed(result: object) -> list[tuple[str, str, int]]:
    return [
        (e["address"], e["kind"], int(e["shares"]))
        for e in events_of(result, "unbonding_completed")  # type: ignore[arg-type]
    ]


def test_unstake_removes_three_hash_per_gos_at_once_and_queues_the_gos(chain: Chain) -> None:
    assert get_account_hash_power(chain.state, ALICE.address) == {"stake": 900 * H}
    height = chain.height + 1
    result = chain.run(ALICE, MsgUnstakeNode(NODE0, 100 * GOS))
    assert result.code == 0, result.log
    assert get_account_hash_power(chain.state, ALICE.address) == {"stake": 600 * H}
    assert get_node_backing_ugos(chain.state, NODE0) == (0, 200 * GOS)
    assert get_delegation_shares(chain.state, ALICE.address, NODE0, "stake") == 200 * GOS
    entry = Unbonding(ALICE.address, NODE0, "stake", 100 * GOS, height)
    assert get_unbondings(chain.state, ALICE.address) == [(height + PERIOD, entry)]
    assert chain.gos(UNBONDING) == 100 * GOS
    assert events_of(result, "unstake")[0]["completes"] == str(height + PERIOD)


def test_gos_returns_exactly_at_created_height_plus_the_stake_period(chain: Chain) -> None:
    created = chain.height + 1
    assert chain.run(ALICE, MsgUnstakeNode(NODE0, STAKED)).code == 0
    waiting = chain.gos(ALICE.address)
    while chain.height < created + PERIOD - 1:
        assert _completed(chain.block()) == []
        assert chain.gos(ALICE.address) == waiting
    assert _completed(chain.block()) == [(ALICE.address, "stake", STAKED)]
    assert chain.height == created + PERIOD
    assert chain.gos(ALICE.address) == waiting + STAKED
    assert chain.gos(UNBONDING) == 0


def test_no_hash_power_and_no_rewards_while_unbonding(chain: Chain) -> None:
    assert chain.run(BOB, MsgVoteNode(NODE1, 100 * GOS)).code == 0
    earned = get_pending_reward_shares(chain.state, ALICE.address)
    before = chain.gos(ALICE.address)
    assert chain.run(ALICE, MsgUnstakeNode(NODE0, STAKED), fee=FEE).code == 0
    assert chain.gos(ALICE.address) == before + earned - FEE  # settled with the unstake
    bob = get_pending_reward_shares(chain.state, BOB.address)
    chain.blocks(PERIOD - 1)
    assert get_account_hash_power(chain.state, ALICE.address) == {}
    assert get_pending_reward_shares(chain.state, ALICE.address) == 0
    assert get_pending_reward_shares(chain.state, BOB.address) == bob + (PERIOD - 1) * USERS_PER_BLOCK
    assert chain.gos(ALICE.address) == before + earned - FEE
    chain.block()
    assert chain.gos(ALICE.address) == before + earned - FEE + STAKED


def test_votes_and_stakes_complete_in_order_of_completion_height(chain: Chain) -> None:
    assert chain.run(ALICE, MsgVoteNode(NODE1, 100 * GOS)).code == 0
    start = chain.height + 1
    late_vote = start + PERIOD - VOTE_PERIOD
    txs = {
        start: MsgUnstakeNode(NODE0, 10 * GOS),  # due start + 15
        start + 1: MsgUnvoteNode(NODE1, 20 * GOS),  # due start + 6: overtakes the stake
        late_vote: MsgUnvoteNode(NODE1, 30 * GOS),  # due start + 15, queued after the stake
    }
    seen: dict[int, list[tuple[str, str, int]]] = {}
    while chain.height < start + PERIOD:
        msg = txs.get(chain.height + 1)
        block = chain.block(chain.tx(ALICE, msg)) if msg else chain.block()
        assert all(r.code == 0 for r in block.tx_results)
        if completed := _completed(block):
            seen[chain.height] = completed
    assert seen == {
        start + 1 + VOTE_PERIOD: [(ALICE.address, "vote", 20 * GOS)],
        start + PERIOD: [(ALICE.address, "stake", 10 * GOS), (ALICE.address, "vote", 30 * GOS)],
    }


def test_seven_unstakes_complete_three_three_one(chain: Chain) -> None:
    amounts = [n * GOS for n in (7, 6, 5, 4, 3, 2, 1)]
    assert chain.run(ALICE, *[MsgUnstakeNode(NODE0, a) for a in amounts]).code == 0
    chain.blocks(PERIOD - 1)
    batches = [[shares for _, _, shares in _completed(chain.block())] for _ in range(4)]
    assert batches == [amounts[:3], amounts[3:6], amounts[6:], []]


# --- invalid redemptions ---------------------------------------------------------------------------------------


def test_unstake_more_than_staked_fails(chain: Chain) -> None:
    result = expect_msg_failure(chain, ALICE, MsgUnstakeNode(NODE0, STAKED + 1), error=InsufficientDelegationError)
    assert f"has {STAKED} ugos staked on {NODE0}" in result.log
    assert get_account_hash_power(chain.state, ALICE.address) == {"stake": 900 * H}


def test_votes_cannot_be_redeemed_as_stake(chain: Chain) -> None:
    assert chain.run(ALICE, MsgVoteNode(NODE1, 50 * GOS)).code == 0
    expect_msg_failure(chain, ALICE, MsgUnstakeNode(NODE1, GOS), error=InsufficientDelegationError)


def test_nobody_can_redeem_anothers_stake(chain: Chain) -> None:
    expect_msg_failure(chain, BOB, MsgUnstakeNode(NODE0, GOS), error=InsufficientDelegationError)


def test_unstake_from_an_unknown_node_fails(chain: Chain) -> None:
    expect_msg_failure(chain, ALICE, MsgUnstakeNode(key(77).address, GOS), error=UnknownNodeError)


def test_unstake_from_a_malformed_node_address_fails(chain: Chain) -> None:
    expect_msg_failure(chain, ALICE, MsgUnstakeNode(NODE0 + "x", GOS), error=InvalidAddressError)


@pytest.mark.parametrize("amount", [0, -1, 2**256])
def test_zero_negative_or_too_large_unstake_fails(chain: Chain, amount: int) -> None:
    expect_msg_failure(chain, ALICE, MsgUnstakeNode(NODE0, amount), error=InvalidAmountError)


def test_failing_unstake_reverts_earlier_redemptions_in_the_tx(chain: Chain) -> None:
    expect_msg_failure(
        chain,
        ALICE,
        MsgUnstakeNode(NODE0, STAKED),
        MsgUnstakeNode(NODE0, GOS),  # nothing left
        error=InsufficientDelegationError,
    )
    assert get_delegations(chain.state, ALICE.address) == [(NODE0, "stake", STAKED)]


# --- rounding after a burn -------------------------------------------------------------------------------------

BURN_HEIGHT = 20


@pytest.mark.parametrize(
    "shares",
    [
        50 * GOS + 10,  # displayed 45,000,009 ugos
        50 * GOS + 1,  # displayed floor(45,000,000.9) = 45,000,000: ceil(45,000,000 / 0.9) is one share short
    ],
)
def test_redeeming_the_whole_displayed_stake_after_a_burn_redeems_every_share(shares: int) -> None:
    chain = make_chain(params=with_params(emission={"burn_start_height": BURN_HEIGHT, "burn_interval_blocks": 1_000}))
    fund_gos(chain, ALICE.address, 100 * GOS)
    assert chain.run(ALICE, MsgStakeNode(NODE0, shares)).code == 0
    while chain.height < BURN_HEIGHT:
        chain.block()
    assert get_gos_index(chain.state) == INDEX_ONE * 9 // 10
    displayed = shares * 9 // 10
    assert get_delegations(chain.state, ALICE.address) == [(NODE0, "stake", displayed)]
    assert chain.run(ALICE, MsgUnstakeNode(NODE0, displayed)).code == 0
    assert get_delegations(chain.state, ALICE.address) == []
    assert get_delegation_shares(chain.state, ALICE.address, NODE0, "stake") == 0
    assert chain.state.nodes.get(NODE0).stake_shares == 0
    before = get_shares(chain.state, ALICE.address)
    chain.blocks(PERIOD)
    assert get_shares(chain.state, ALICE.address) == before + shares
