"""MsgStakeNode (staking.handlers.process_stake_node): staking GOS on a node.

Rules: staked GOS moves to the bonded module, counts on the node's stake tally and gives hash power GOS × 3.
"""

import pytest

from gostaking.chain.constants import MODULE_ADDRESSES, MODULE_BONDED
from gostaking.chain.errors import (
    InsufficientFundsError,
    InvalidAddressError,
    InvalidAmountError,
    UnknownNodeError,
)
from gostaking.chain.modules.mining.queries import (
    get_account_hash_power,
    get_pending_reward_shares,
    get_pool_hash_power,
    get_total_hash_power,
)
from gostaking.chain.modules.nodes.queries import get_node_backing_ugos
from gostaking.chain.modules.staking.queries import get_delegation_shares, get_delegations
from gostaking.chain.numeric import MICRO_HASH_PER_HASH, PPM
from gostaking.chain.types.tx import MsgStakeNode, MsgVoteNode

from harness import GOS, TEST_PARAMS, Chain, events_of, expect_msg_failure, fund_gos, key, make_chain

ALICE, BOB = key(1), key(2)
NODE0, NODE1 = key(1000).address, key(1001).address
STRANGER = key(77).address
H = MICRO_HASH_PER_HASH
FEE = 1_000
FUNDS = 1_000 * GOS
BONDED = MODULE_ADDRESSES[MODULE_BONDED]
USERS_PER_BLOCK = TEST_PARAMS.emission.initial_reward_ugos * TEST_PARAMS.rewards.users_ppm // PPM


@pytest.fixture
def chain() -> Chain:
    c = make_chain(node_count=2)
    fund_gos(c, ALICE.address, FUNDS)
    fund_gos(c, BOB.address, FUNDS)
    return c


def test_stake_bonds_gos_and_gives_three_hash_per_gos(chain: Chain) -> None:
    amount = 100 * GOS
    result = chain.run(ALICE, MsgStakeNode(NODE0, amount), fee=FEE)
    assert result.code == 0, result.log
    assert chain.gos(ALICE.address) == FUNDS - amount - FEE
    assert chain.gos(BONDED) == amount
    assert get_delegation_shares(chain.state, ALICE.address, NODE0, "stake") == amount
    assert get_delegation_shares(chain.state, ALICE.address, NODE0, "vote") == 0
    assert get_account_hash_power(chain.state, ALICE.address) == {"stake": 300 * H}
    assert get_pool_hash_power(chain.state, "stake") == 300 * H
    assert get_node_backing_ugos(chain.state, NODE0) == (0, amount)
    assert chain.state.nodes.get(NODE0).stake_shares == amount
    assert events_of(result, "stake") == [
        {"address": ALICE.address, "node": NODE0, "amount": str(amount), "shares": str(amount)}
    ]


def test_whitepaper_500_voted_and_500_staked_are_2000_hash(chain: Chain) -> None:
    assert chain.run(ALICE, MsgVoteNode(NODE0, 500 * GOS), MsgStakeNode(NODE0, 499 * GOS)).code == 0
    assert chain.run(BOB, MsgStakeNode(NODE0, GOS)).code == 0  # tallies are per node, power per account
    assert get_account_hash_power(chain.state, ALICE.address) == {"vote": 500 * H, "stake": 1_497 * H}
    assert get_account_hash_power(chain.state, BOB.address) == {"stake": 3 * H}
    assert get_total_hash_power(chain.state) == 2_000 * H
    assert get_node_backing_ugos(chain.state, NODE0) == (500 * GOS, 500 * GOS)


def test_node_stake_tallies(chain: Chain) -> None:
    block = chain.block(
        chain.tx(ALICE, MsgStakeNode(NODE0, 100 * GOS), MsgStakeNode(NODE1, 40 * GOS)),
        chain.tx(BOB, MsgStakeNode(NODE1, 60 * GOS), MsgVoteNode(NODE1, 5 * GOS)),
    )
    assert [r.code for r in block.tx_results] == [0, 0]
    assert get_node_backing_ugos(chain.state, NODE0) == (0, 100 * GOS)
    assert get_node_backing_ugos(chain.state, NODE1) == (5 * GOS, 100 * GOS)
    assert get_delegations(chain.state, BOB.address) == sorted([(NODE1, "stake", 60 * GOS), (NODE1, "vote", 5 * GOS)])
    assert chain.gos(BONDED) == 205 * GOS


def test_equal_hash_power_from_a_vote_and_a_third_as_much_stake_earns_equally(chain: Chain) -> None:
    # Alice votes 300 GOS (300 H/s), Bob stakes 100 GOS (300 H/s): each pool gets half of the users' part.
    block = chain.block(chain.tx(ALICE, MsgVoteNode(NODE0, 300 * GOS)), chain.tx(BOB, MsgStakeNode(NODE0, 100 * GOS)))
    assert [r.code for r in block.tx_results] == [0, 0]
    chain.blocks(3)
    half = 4 * USERS_PER_BLOCK // 2
    # 100 GOS of stake units divide Bob's half exactly; Alice's 300 GOS of units do not (floor, < 1 share a block)
    assert get_pending_reward_shares(chain.state, BOB.address) == half
    assert half - 4 <= get_pending_reward_shares(chain.state, ALICE.address) <= half


def test_same_gos_staked_earns_three_times_as_much_as_voted(chain: Chain) -> None:
    block = chain.block(chain.tx(ALICE, MsgVoteNode(NODE0, 100 * GOS)), chain.tx(BOB, MsgStakeNode(NODE1, 100 * GOS)))
    assert [r.code for r in block.tx_results] == [0, 0]
    chain.blocks(1)
    assert get_pending_reward_shares(chain.state, ALICE.address) == 2 * USERS_PER_BLOCK // 4
    assert get_pending_reward_shares(chain.state, BOB.address) == 2 * USERS_PER_BLOCK * 3 // 4


def test_staking_more_settles_pending_rewards(chain: Chain) -> None:
    assert chain.run(ALICE, MsgStakeNode(NODE0, 100 * GOS)).code == 0
    pending = get_pending_reward_shares(chain.state, ALICE.address)
    assert pending == USERS_PER_BLOCK
    before = chain.gos(ALICE.address)
    result = chain.run(ALICE, MsgStakeNode(NODE0, 100 * GOS), fee=FEE)
    assert result.code == 0, result.log
    assert events_of(result, "reward_paid") == [{"address": ALICE.address, "pool": "stake", "shares": str(pending)}]
    assert chain.gos(ALICE.address) == before + pending - 100 * GOS - FEE


# --- invalid stakes: fee charged, sequence consumed, nothing else changes --------------------------------------


def test_stake_on_an_unknown_node_fails(chain: Chain) -> None:
    expect_msg_failure(chain, ALICE, MsgStakeNode(STRANGER, GOS), error=UnknownNodeError)


@pytest.mark.parametrize("node", ["", "node-0", NODE1.upper()])
def test_stake_on_a_malformed_node_address_fails(chain: Chain, node: str) -> None:
    expect_msg_failure(chain, ALICE, MsgStakeNode(node, GOS), error=InvalidAddressError)


def test_stake_more_than_the_balance_fails(chain: Chain) -> None:
    expect_msg_failure(chain, ALICE, MsgStakeNode(NODE0, FUNDS), error=InsufficientFundsError)  # fee comes first
    assert get_node_backing_ugos(chain.state, NODE0) == (0, 0)


def test_vote_and_stake_together_beyond_the_balance_fail_together(chain: Chain) -> None:
    expect_msg_failure(
        chain,
        ALICE,
        MsgVoteNode(NODE0, FUNDS // 2),
        MsgStakeNode(NODE0, FUNDS // 2),  # the fee leaves less than half for this one
        error=InsufficientFundsError,
    )
    chain.block()
    assert get_account_hash_power(chain.state, ALICE.address) == {}


@pytest.mark.parametrize("amount", [0, -1, 2**256])
def test_zero_negative_or_too_large_stake_fails(chain: Chain, amount: int) -> None:
    expect_msg_failure(chain, ALICE, MsgStakeNode(NODE0, amount), error=InvalidAmountError)
