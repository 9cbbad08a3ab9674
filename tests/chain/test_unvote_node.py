"""MsgUnvoteNode (staking.handlers.process_unvote_node): redeeming votes.

Rules: hash power (and so rewards) stop at once; the GOS waits in the unbonding queue, earning nothing, and
returns at created_height + vote_unbonding_blocks (5 in TEST_PARAMS), not before. Completions are bounded per
block (3 in TEST_PARAMS); the rest carry over to the next blocks in queue order. After a burn amounts are
shares × index rounded down, and asking for the whole displayed amount must redeem every share.
"""

import pytest

from gostaking.chain.constants import MODULE_ADDRESSES, MODULE_BONDED, MODULE_UNBONDING
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
from gostaking.chain.types.tx import MsgStakeNode, MsgUnvoteNode, MsgVoteNode

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
VOTED = 300 * GOS
PERIOD = TEST_PARAMS.staking.vote_unbonding_blocks
MAX_COMPLETIONS = TEST_PARAMS.staking.max_unbonding_completions_per_block
BONDED = MODULE_ADDRESSES[MODULE_BONDED]
UNBONDING = MODULE_ADDRESSES[MODULE_UNBONDING]
USERS_PER_BLOCK = TEST_PARAMS.emission.initial_reward_ugos * TEST_PARAMS.rewards.users_ppm // PPM
assert (PERIOD, MAX_COMPLETIONS) == (5, 3)


@pytest.fixture
def chain() -> Chain:
    """Alice has voted 300 GOS for node 0; Bob has GOS but no votes."""
    c = make_chain(node_count=2)
    fund_gos(c, ALICE.address, 1_000 * GOS)
    fund_gos(c, BOB.address, 1_000 * GOS)
    assert c.run(ALICE, MsgVoteNode(NODE0, VOTED)).code == 0
    return c


def test_unvote_stops_hash_power_at_once_and_queues_the_gos(chain: Chain) -> None:
    height = chain.height + 1
    result = chain.run(ALICE, MsgUnvoteNode(NODE0, 100 * GOS))
    assert result.code == 0, result.log
    assert get_delegation_shares(chain.state, ALICE.address, NODE0, "vote") == 200 * GOS
    assert get_node_backing_ugos(chain.state, NODE0) == (200 * GOS, 0)
    assert get_account_hash_power(chain.state, ALICE.address) == {"vote": 200 * H}
    assert chain.state.pools.get("vote").units == 200 * GOS
    entry = Unbonding(ALICE.address, NODE0, "vote", 100 * GOS, height)
    assert chain.state.unbondings.get((height + PERIOD, 0)) == entry
    assert get_unbondings(chain.state, ALICE.address) == [(height + PERIOD, entry)]
    assert (chain.gos(BONDED), chain.gos(UNBONDING)) == (200 * GOS, 100 * GOS)
    assert events_of(result, "unvote") == [
        {
            "address": ALICE.address,
            "node": NODE0,
            "amount": str(100 * GOS),
            "shares": str(100 * GOS),
            "completes": str(height + PERIOD),
        }
    ]


def test_gos_returns_exactly_at_created_height_plus_the_period(chain: Chain) -> None:
    created = chain.height + 1
    assert chain.run(ALICE, MsgUnvoteNode(NODE0, 100 * GOS)).code == 0
    waiting = chain.gos(ALICE.address)
    while chain.height < created + PERIOD - 1:
        assert events_of(chain.block(), "unbonding_completed") == []
        assert chain.gos(ALICE.address) == waiting  # not a block early
    result = chain.block()
    assert chain.height == created + PERIOD
    assert events_of(result, "unbonding_completed") == [
        {
            "address": ALICE.address,
            "node": NODE0,
            "kind": "vote",
            "shares": str(100 * GOS),
            "due_height": str(chain.height),
        }
    ]
    assert chain.gos(ALICE.address) == waiting + 100 * GOS
    assert get_unbondings(chain.state, ALICE.address) == []
    assert chain.gos(UNBONDING) == 0


def test_no_hash_power_and_no_rewards_while_unbonding(chain: Chain) -> None:
    assert chain.run(BOB, MsgVoteNode(NODE1, 100 * GOS)).code == 0
    alice_pending = get_pending_reward_shares(chain.state, ALICE.address)
    before = chain.gos(ALICE.address)
    result = chain.run(ALICE, MsgUnvoteNode(NODE0, VOTED), fee=FEE)
    assert result.code == 0, result.log
    # what was earned so far is paid with the unvote; then nothing more
    assert chain.gos(ALICE.address) == before + alice_pending - FEE
    assert get_account_hash_power(chain.state, ALICE.address) == {}
    assert (ALICE.address, "vote") not in chain.state.positions
    bob_pending = get_pending_reward_shares(chain.state, BOB.address)
    for blocks in range(1, PERIOD):
        chain.block()
        assert get_pending_reward_shares(chain.state, ALICE.address) == 0
        # Bob alone holds hash power; his 100 GOS of units divide the users' part exactly
        assert get_pending_reward_shares(chain.state, BOB.address) == bob_pending + blocks * USERS_PER_BLOCK
    chain.block()
    assert chain.gos(ALICE.address) == before + alice_pending - FEE + VOTED  # exactly the GOS, no reward on it


def test_unvote_everything_deletes_the_delegation(chain: Chain) -> None:
    assert chain.run(ALICE, MsgUnvoteNode(NODE0, VOTED)).code == 0
    assert (ALICE.address, NODE0, "vote") not in chain.state.delegations
    assert get_delegations(chain.state, ALICE.address) == []
    assert chain.state.nodes.get(NODE0).vote_shares == 0


def test_unvote_leaves_stake_on_the_same_node_alone(chain: Chain) -> None:
    assert chain.run(ALICE, MsgStakeNode(NODE0, 10 * GOS), MsgUnvoteNode(NODE0, VOTED)).code == 0
    assert get_delegations(chain.state, ALICE.address) == [(NODE0, "stake", 10 * GOS)]
    assert get_account_hash_power(chain.state, ALICE.address) == {"stake": 30 * H}


# --- the bounded unbonding queue ---------------------------------------------------------------------------------


def _completed(result: object) -> list[tuple[int, int]]:
    return [(int(e["shares"]), int(e["due_height"])) for e in events_of(result, "unbonding_completed")]  # type: ignore[arg-type]


def test_completions_per_block_are_bounded_and_keep_queue_order(chain: Chain) -> None:
    created = chain.height + 1
    amounts = [n * GOS for n in range(1, 8)]  # 7 entries due at the same height, distinguishable by amount
    assert chain.run(ALICE, *[MsgUnvoteNode(NODE0, a) for a in amounts]).code == 0
    assert chain.run(ALICE, MsgUnvoteNode(NODE0, 10 * GOS)).code == 0  # one more, due a block later
    due = created + PERIOD
    assert [(h, e.shares) for h, e in get_unbondings(chain.state, ALICE.address)] == [
        *[(due, a) for a in amounts],
        (due + 1, 10 * GOS),
    ]
    while chain.height < due - 1:
        assert _completed(chain.block()) == []
    completed = []
    for _ in range(4):
        before = chain.gos(ALICE.address)
        batch = _completed(chain.block())
        assert chain.gos(ALICE.address) == before + sum(shares for shares, _ in batch)
        completed.append(batch)
    assert completed == [
        [(amounts[0], due), (amounts[1], due), (amounts[2], due)],  # 3 of 7 at their due height
        [(amounts[3], due), (amounts[4], due), (amounts[5], due)],  # 3 more, before the entry due now
        [(amounts[6], due), (10 * GOS, due + 1)],  # the backlog's last, then the later entry
        [],
    ]
    assert get_unbondings(chain.state, ALICE.address) == []
    assert chain.gos(UNBONDING) == 0


def test_entries_of_several_accounts_complete_in_queue_order(chain: Chain) -> None:
    assert chain.run(BOB, MsgVoteNode(NODE1, 100 * GOS)).code == 0
    block = chain.block(
        chain.tx(BOB, MsgUnvoteNode(NODE1, 1 * GOS), MsgUnvoteNode(NODE1, 2 * GOS)),
        chain.tx(ALICE, MsgUnvoteNode(NODE0, 3 * GOS), MsgUnvoteNode(NODE0, 4 * GOS)),
    )
    assert [r.code for r in block.tx_results] == [0, 0]
    chain.blocks(PERIOD - 1)
    first = events_of(chain.block(), "unbonding_completed")
    second = events_of(chain.block(), "unbonding_completed")
    assert [(e["address"], e["shares"]) for e in first] == [
        (BOB.address, str(1 * GOS)),
        (BOB.address, str(2 * GOS)),
        (ALICE.address, str(3 * GOS)),
    ]
    assert [(e["address"], e["shares"]) for e in second] == [(ALICE.address, str(4 * GOS))]


# --- invalid redemptions: fee charged, sequence consumed, nothing else changes --------------------------------


def test_unvote_more_than_voted_fails(chain: Chain) -> None:
    result = expect_msg_failure(chain, ALICE, MsgUnvoteNode(NODE0, VOTED + 1), error=InsufficientDelegationError)
    assert f"has {VOTED} ugos voted on {NODE0}" in result.log


def test_unvote_from_a_node_not_voted_for_fails(chain: Chain) -> None:
    expect_msg_failure(chain, ALICE, MsgUnvoteNode(NODE1, GOS), error=InsufficientDelegationError)


def test_stake_cannot_be_redeemed_as_votes(chain: Chain) -> None:
    assert chain.run(ALICE, MsgStakeNode(NODE1, 50 * GOS)).code == 0
    expect_msg_failure(chain, ALICE, MsgUnvoteNode(NODE1, GOS), error=InsufficientDelegationError)


def test_nobody_can_redeem_anothers_votes(chain: Chain) -> None:
    expect_msg_failure(chain, BOB, MsgUnvoteNode(NODE0, GOS), error=InsufficientDelegationError)


def test_unvote_from_an_unknown_node_fails(chain: Chain) -> None:
    expect_msg_failure(chain, ALICE, MsgUnvoteNode(key(77).address, GOS), error=UnknownNodeError)


@pytest.mark.parametrize("node", ["", NODE0.upper(), "gos1qqqq"])
def test_unvote_from_a_malformed_node_address_fails(chain: Chain, node: str) -> None:
    expect_msg_failure(chain, ALICE, MsgUnvoteNode(node, GOS), error=InvalidAddressError)


@pytest.mark.parametrize("amount", [0, -1, 2**256])
def test_zero_negative_or_too_large_unvote_fails(chain: Chain, amount: int) -> None:
    expect_msg_failure(chain, ALICE, MsgUnvoteNode(NODE0, amount), error=InvalidAmountError)


def test_failing_unvote_reverts_earlier_ones_in_the_tx(chain: Chain) -> None:
    expect_msg_failure(
        chain,
        ALICE,
        MsgUnvoteNode(NODE0, 100 * GOS),
        MsgUnvoteNode(NODE0, 250 * GOS),  # only 200 left
        error=InsufficientDelegationError,
    )
    assert get_unbondings(chain.state, ALICE.address) == []
    assert get_delegation_shares(chain.state, ALICE.address, NODE0, "vote") == VOTED


# --- rounding after a burn -------------------------------------------------------------------------------------

BURN_HEIGHT = 20
BURN_PARAMS = with_params(emission={"burn_start_height": BURN_HEIGHT, "burn_interval_blocks": 1_000})


def _voted_then_burned(shares: int) -> Chain:
    chain = make_chain(params=BURN_PARAMS)
    fund_gos(chain, ALICE.address, 1_000 * GOS)
    assert chain.run(ALICE, MsgVoteNode(NODE0, shares)).code == 0  # index 1: ugos = shares
    while chain.height < BURN_HEIGHT:
        chain.block()
    assert get_gos_index(chain.state) == INDEX_ONE * 9 // 10
    return chain


@pytest.mark.parametrize(
    "shares",
    [
        100 * GOS,  # displayed 90 GOS
        100 * GOS + 10,  # displayed 90,000,009 ugos
        100 * GOS + 1,  # displayed floor(90,000,000.9) = 90,000,000: ceil(90,000,000 / 0.9) is one share short
        11,  # displayed floor(9.9) = 9 ugos: ceil(9 / 0.9) = 10 shares, one short
    ],
)
def test_redeeming_the_whole_displayed_amount_after_a_burn_redeems_every_share(shares: int) -> None:
    chain = _voted_then_burned(shares)
    displayed = shares * 9 // 10
    assert get_delegations(chain.state, ALICE.address) == [(NODE0, "vote", displayed)]
    result = chain.run(ALICE, MsgUnvoteNode(NODE0, displayed))
    assert result.code == 0, result.log
    assert get_delegation_shares(chain.state, ALICE.address, NODE0, "vote") == 0
    assert get_delegations(chain.state, ALICE.address) == []
    assert chain.state.nodes.get(NODE0).vote_shares == 0
    assert (ALICE.address, "vote") not in chain.state.positions
    [(_, entry)] = get_unbondings(chain.state, ALICE.address)
    assert entry.shares == shares
    before = get_shares(chain.state, ALICE.address)
    chain.blocks(PERIOD)
    assert get_shares(chain.state, ALICE.address) == before + shares


def test_more_than_the_displayed_amount_after_a_burn_fails() -> None:
    chain = _voted_then_burned(100 * GOS + 1)
    displayed = (100 * GOS + 1) * 9 // 10
    result = expect_msg_failure(chain, ALICE, MsgUnvoteNode(NODE0, displayed + 1), error=InsufficientDelegationError)
    assert f"has {displayed} ugos voted" in result.log
