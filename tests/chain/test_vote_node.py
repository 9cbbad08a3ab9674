"""MsgVoteNode (staking.handlers.process_vote_node): voting GOS for a node.

Rules: voted GOS moves to the bonded module, counts on the node's vote tally and gives the voter hash power
GOS × 1 (1 GOS = 1 H/s = 10^6 micro-H/s) in the vote pool, which earns a share of the users' 85%.
"""

import pytest
from msgspec.structs import replace

from gostaking.chain.constants import MODULE_ADDRESSES, MODULE_BONDED, MODULE_FEE_COLLECTOR
from gostaking.chain.errors import (
    InsufficientFundsError,
    InvalidAddressError,
    InvalidAmountError,
    UnknownNodeError,
)
from gostaking.chain.modules.mining.queries import (
    get_account_hash_power,
    get_pending_reward_shares,
    get_total_hash_power,
)
from gostaking.chain.modules.nodes.queries import get_node_backing_ugos
from gostaking.chain.modules.staking.queries import get_delegations, get_node_delegators
from gostaking.chain.numeric import GOS_DENOM, MICRO_HASH_PER_HASH, PPM
from gostaking.chain.types.bank import Account
from gostaking.chain.types.mining import Position
from gostaking.chain.types.tx import MsgStakeNode, MsgVoteNode

from harness import GOS, TEST_PARAMS, Chain, events_of, execute, expect_msg_failure, fund_gos, key, make_chain

ALICE, BOB = key(1), key(2)
NODE0, NODE1 = key(1000).address, key(1001).address  # the two genesis nodes' operators
STRANGER = key(77).address  # a valid address that runs no node
H = MICRO_HASH_PER_HASH
FEE = 1_000
FUNDS = 1_000 * GOS
BONDED = MODULE_ADDRESSES[MODULE_BONDED]
COLLECTOR = MODULE_ADDRESSES[MODULE_FEE_COLLECTOR]
USERS_PER_BLOCK = TEST_PARAMS.emission.initial_reward_ugos * TEST_PARAMS.rewards.users_ppm // PPM


@pytest.fixture
def chain() -> Chain:
    c = make_chain(node_count=2)
    fund_gos(c, ALICE.address, FUNDS)
    fund_gos(c, BOB.address, FUNDS)
    return c


def test_vote_bonds_gos_and_gives_one_hash_per_gos(chain: Chain) -> None:
    amount = 100 * GOS
    node_before = chain.state.nodes.get(NODE0)
    vote_pool = chain.state.pools.get("vote")
    result, diff = execute(chain, chain.tx(ALICE, MsgVoteNode(NODE0, amount), fee=FEE))
    assert result.code == 0, result.log
    # before any burn 1 share = 1 ugos; the whole change of state:
    assert diff == {
        "accounts": {ALICE.address: (None, Account(1))},
        "balances": {
            (ALICE.address, GOS_DENOM): (FUNDS, FUNDS - amount - FEE),
            (BONDED, GOS_DENOM): (None, amount),
            (COLLECTOR, GOS_DENOM): (None, FEE),
        },
        "delegations": {(ALICE.address, NODE0, "vote"): (None, amount)},
        "nodes": {NODE0: (node_before, replace(node_before, vote_shares=amount))},
        "pools": {"vote": (vote_pool, replace(vote_pool, units=amount))},
        "positions": {(ALICE.address, "vote"): (None, Position(units=amount, acc_settled=0))},
    }
    assert events_of(result, "vote") == [
        {"address": ALICE.address, "node": NODE0, "amount": str(amount), "shares": str(amount)}
    ]
    chain.block()
    assert get_account_hash_power(chain.state, ALICE.address) == {"vote": 100 * H}
    assert get_total_hash_power(chain.state) == 100 * H
    assert get_node_backing_ugos(chain.state, NODE0) == (amount, 0)
    assert get_delegations(chain.state, ALICE.address) == [(NODE0, "vote", amount)]


def test_node_tallies_add_up_votes_of_every_voter(chain: Chain) -> None:
    block = chain.block(
        chain.tx(ALICE, MsgVoteNode(NODE0, 100 * GOS), MsgVoteNode(NODE1, 50 * GOS), MsgVoteNode(NODE0, 20 * GOS)),
        chain.tx(BOB, MsgVoteNode(NODE0, 30 * GOS)),
    )
    assert [r.code for r in block.tx_results] == [0, 0]
    assert get_node_backing_ugos(chain.state, NODE0) == (150 * GOS, 0)
    assert get_node_backing_ugos(chain.state, NODE1) == (50 * GOS, 0)
    assert get_node_delegators(chain.state, NODE0) == sorted(
        [(ALICE.address, "vote", 120 * GOS), (BOB.address, "vote", 30 * GOS)]
    )
    # one vote position per account, whatever the nodes: 170 GOS = 170 H/s for Alice
    assert get_account_hash_power(chain.state, ALICE.address) == {"vote": 170 * H}
    assert get_account_hash_power(chain.state, BOB.address) == {"vote": 30 * H}
    assert chain.state.pools.get("vote").units == 200 * GOS
    assert chain.gos(BONDED) == 200 * GOS


def test_vote_the_whole_balance_left_after_the_fee(chain: Chain) -> None:
    assert chain.run(ALICE, MsgVoteNode(NODE0, FUNDS - FEE), fee=FEE).code == 0
    assert chain.gos(ALICE.address) == 0
    assert get_account_hash_power(chain.state, ALICE.address) == {"vote": (FUNDS - FEE) * H // GOS}


def test_voters_earn_in_proportion_to_their_votes(chain: Chain) -> None:
    block = chain.block(chain.tx(ALICE, MsgVoteNode(NODE0, 100 * GOS)), chain.tx(BOB, MsgVoteNode(NODE1, 300 * GOS)))
    assert [r.code for r in block.tx_results] == [0, 0]
    chain.blocks(2)
    # three blocks of the users' part, split 1 : 3 (exact: 8,500 GOS divides by 4)
    assert get_pending_reward_shares(chain.state, ALICE.address) == 3 * USERS_PER_BLOCK // 4
    assert get_pending_reward_shares(chain.state, BOB.address) == 3 * USERS_PER_BLOCK * 3 // 4


def test_voting_more_settles_pending_rewards(chain: Chain) -> None:
    assert chain.run(ALICE, MsgVoteNode(NODE0, 100 * GOS)).code == 0
    chain.blocks(1)
    pending = get_pending_reward_shares(chain.state, ALICE.address)
    assert pending == 2 * USERS_PER_BLOCK
    before = chain.gos(ALICE.address)
    result = chain.run(ALICE, MsgVoteNode(NODE1, 100 * GOS), fee=FEE)
    assert result.code == 0, result.log
    assert events_of(result, "reward_paid") == [{"address": ALICE.address, "pool": "vote", "shares": str(pending)}]
    assert chain.gos(ALICE.address) == before + pending - 100 * GOS - FEE
    # 200 GOS of units divide the block's part exactly, so the new block alone is pending, to the share
    assert get_pending_reward_shares(chain.state, ALICE.address) == USERS_PER_BLOCK


def test_a_vote_gives_no_stake_hash_power(chain: Chain) -> None:
    assert chain.run(ALICE, MsgVoteNode(NODE0, 100 * GOS), MsgStakeNode(NODE0, 100 * GOS)).code == 0
    assert get_account_hash_power(chain.state, ALICE.address) == {"vote": 100 * H, "stake": 300 * H}
    assert get_node_backing_ugos(chain.state, NODE0) == (100 * GOS, 100 * GOS)


# --- invalid votes: fee charged, sequence consumed, nothing else changes ---------------------------------------


def test_vote_for_an_unknown_node_fails(chain: Chain) -> None:
    result = expect_msg_failure(chain, ALICE, MsgVoteNode(STRANGER, GOS), error=UnknownNodeError)
    assert STRANGER in result.log


@pytest.mark.parametrize("node", ["", "gos1xyz", NODE0.upper(), NODE0[:-1] + ("q" if NODE0[-1] != "q" else "p")])
def test_vote_for_a_malformed_node_address_fails(chain: Chain, node: str) -> None:
    expect_msg_failure(chain, ALICE, MsgVoteNode(node, GOS), error=InvalidAddressError)


def test_vote_more_than_the_balance_fails(chain: Chain) -> None:
    result = expect_msg_failure(chain, ALICE, MsgVoteNode(NODE0, FUNDS - FEE + 1), error=InsufficientFundsError)
    assert f"needs {FUNDS - FEE + 1}" in result.log
    assert get_node_backing_ugos(chain.state, NODE0) == (0, 0)


@pytest.mark.parametrize("amount", [0, -1, -GOS, 2**256])
def test_zero_negative_or_too_large_vote_fails(chain: Chain, amount: int) -> None:
    expect_msg_failure(chain, ALICE, MsgVoteNode(NODE0, amount), error=InvalidAmountError)


def test_failing_vote_reverts_earlier_votes_of_the_tx(chain: Chain) -> None:
    expect_msg_failure(
        chain,
        ALICE,
        MsgVoteNode(NODE0, 100 * GOS),
        MsgVoteNode(NODE1, 100 * GOS),
        MsgVoteNode(STRANGER, GOS),
        error=UnknownNodeError,
    )
    chain.block()
    assert get_delegations(chain.state, ALICE.address) == []
    assert get_account_hash_power(chain.state, ALICE.address) == {}
    assert get_node_backing_ugos(chain.state, NODE0) == (0, 0)
