"""MsgVoteNode and MsgStakeNode (staking.handlers.process_vote_node, process_stake_node): backing a node with GOS.

Rules, the same for both kinds: the GOS moves to the bonded module, counts on the node's vote or stake tally and
gives the backer hash power in the kind's pool, which earns a share of the users' 85%: GOS × 1 for a vote
(1 GOS = 1 H/s = 10^6 micro-H/s), GOS × 3 for a stake.
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
    get_pool_hash_power,
    get_total_hash_power,
)
from gostaking.chain.modules.nodes.queries import get_node_backing_ugos
from gostaking.chain.modules.staking.queries import get_delegation_shares, get_delegations, get_node_delegators
from gostaking.chain.numeric import GOS_DENOM, MICRO_HASH_PER_HASH, PPM
from gostaking.chain.types.bank import Account
from gostaking.chain.types.mining import Position
from gostaking.chain.types.tx import MsgStakeNode, MsgVoteNode

from harness import (
    BOND_KINDS,
    GOS,
    TEST_PARAMS,
    BondKind,
    Chain,
    events_of,
    execute,
    expect_msg_failure,
    expect_rejected,
    fund_gos,
    key,
    make_chain,
)

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
    """Alice and Bob have GOS but no bonds."""
    c = make_chain(node_count=2)
    fund_gos(c, ALICE.address, FUNDS)
    fund_gos(c, BOB.address, FUNDS)
    return c


@pytest.fixture(params=BOND_KINDS, ids=str)
def kind(request: pytest.FixtureRequest) -> BondKind:
    return request.param  # type: ignore[no-any-return]


def test_bonding_moves_the_gos_and_gives_the_kinds_hash_power(chain: Chain, kind: BondKind) -> None:
    amount = 100 * GOS
    node_before = chain.state.nodes.get(NODE0)
    pool = chain.state.pools.get(kind.name)
    result, diff = execute(chain, chain.tx(ALICE, kind.bond(NODE0, amount), fee=FEE))
    assert result.code == 0, result.log
    # before any burn 1 share = 1 ugos; the whole change of state:
    assert diff == {
        "accounts": {ALICE.address: (None, Account(1))},
        "balances": {
            (ALICE.address, GOS_DENOM): (FUNDS, FUNDS - amount - FEE),
            (BONDED, GOS_DENOM): (None, amount),
            (COLLECTOR, GOS_DENOM): (None, FEE),
        },
        "delegations": {(ALICE.address, NODE0, kind.name): (None, amount)},
        "nodes": {NODE0: (node_before, replace(node_before, **{f"{kind}_shares": amount}))},
        "pools": {kind.name: (pool, replace(pool, units=amount))},
        "positions": {(ALICE.address, kind.name): (None, Position(units=amount, acc_settled=0))},
    }
    assert events_of(result, kind.name) == [
        {"address": ALICE.address, "node": NODE0, "amount": str(amount), "shares": str(amount)}
    ]
    chain.block()
    assert chain.gos(ALICE.address) == FUNDS - amount - FEE
    assert chain.gos(BONDED) == amount
    assert get_delegation_shares(chain.state, ALICE.address, NODE0, kind.name) == amount
    assert get_delegation_shares(chain.state, ALICE.address, NODE0, kind.other.name) == 0
    assert get_account_hash_power(chain.state, ALICE.address) == {kind.name: 100 * kind.hash_per_gos * H}
    assert get_pool_hash_power(chain.state, kind.name) == 100 * kind.hash_per_gos * H
    assert get_total_hash_power(chain.state) == 100 * kind.hash_per_gos * H
    assert get_node_backing_ugos(chain.state, NODE0) == kind.backing(amount)
    assert get_delegations(chain.state, ALICE.address) == [(NODE0, kind.name, amount)]


def test_node_tallies_add_up_the_bonds_of_every_backer(chain: Chain, kind: BondKind) -> None:
    block = chain.block(
        chain.tx(ALICE, kind.bond(NODE0, 100 * GOS), kind.bond(NODE1, 50 * GOS), kind.bond(NODE0, 20 * GOS)),
        chain.tx(BOB, kind.bond(NODE0, 30 * GOS)),
    )
    assert [r.code for r in block.tx_results] == [0, 0]
    assert get_node_backing_ugos(chain.state, NODE0) == kind.backing(150 * GOS)
    assert get_node_backing_ugos(chain.state, NODE1) == kind.backing(50 * GOS)
    assert get_node_delegators(chain.state, NODE0) == sorted(
        [(ALICE.address, kind.name, 120 * GOS), (BOB.address, kind.name, 30 * GOS)]
    )
    # one position per account and kind, whatever the nodes: 170 GOS of it for Alice
    assert get_account_hash_power(chain.state, ALICE.address) == {kind.name: 170 * kind.hash_per_gos * H}
    assert get_account_hash_power(chain.state, BOB.address) == {kind.name: 30 * kind.hash_per_gos * H}
    assert chain.state.pools.get(kind.name).units == 200 * GOS
    assert chain.gos(BONDED) == 200 * GOS


def test_bond_the_whole_balance_left_after_the_fee(chain: Chain, kind: BondKind) -> None:
    assert chain.run(ALICE, kind.bond(NODE0, FUNDS - FEE), fee=FEE).code == 0
    assert chain.gos(ALICE.address) == 0
    assert get_account_hash_power(chain.state, ALICE.address) == {
        kind.name: (FUNDS - FEE) * kind.hash_per_gos * H // GOS
    }


def test_backers_of_one_kind_earn_in_proportion_to_their_bonds(chain: Chain, kind: BondKind) -> None:
    block = chain.block(chain.tx(ALICE, kind.bond(NODE0, 100 * GOS)), chain.tx(BOB, kind.bond(NODE1, 300 * GOS)))
    assert [r.code for r in block.tx_results] == [0, 0]
    chain.blocks(2)
    # three blocks of the users' part, split 1 : 3 (exact: 8,500 GOS divides by 4)
    assert get_pending_reward_shares(chain.state, ALICE.address) == 3 * USERS_PER_BLOCK // 4
    assert get_pending_reward_shares(chain.state, BOB.address) == 3 * USERS_PER_BLOCK * 3 // 4


def test_bonding_more_settles_pending_rewards(chain: Chain, kind: BondKind) -> None:
    assert chain.run(ALICE, kind.bond(NODE0, 100 * GOS)).code == 0
    assert get_pending_reward_shares(chain.state, ALICE.address) == USERS_PER_BLOCK
    chain.blocks(1)
    pending = get_pending_reward_shares(chain.state, ALICE.address)
    assert pending == 2 * USERS_PER_BLOCK
    before = chain.gos(ALICE.address)
    result = chain.run(ALICE, kind.bond(NODE1, 100 * GOS), fee=FEE)
    assert result.code == 0, result.log
    assert events_of(result, "reward_paid") == [{"address": ALICE.address, "pool": kind.name, "shares": str(pending)}]
    assert chain.gos(ALICE.address) == before + pending - 100 * GOS - FEE
    # 200 GOS of units divide the block's part exactly, so the new block alone is pending, to the share
    assert get_pending_reward_shares(chain.state, ALICE.address) == USERS_PER_BLOCK


# --- invalid bonds: fee charged, sequence consumed, nothing else changes ---------------------------------------


def test_bonding_on_an_unknown_node_fails(chain: Chain, kind: BondKind) -> None:
    result = expect_msg_failure(chain, ALICE, kind.bond(STRANGER, GOS), error=UnknownNodeError)
    assert STRANGER in result.log


@pytest.mark.parametrize(
    "node", ["", "node-0", "gos1xyz", NODE0.upper(), NODE0[:-1] + ("q" if NODE0[-1] != "q" else "p")]
)
def test_bonding_on_a_malformed_node_address_is_refused(chain: Chain, kind: BondKind, node: str) -> None:
    expect_rejected(chain, chain.tx(ALICE, kind.bond(node, GOS)), InvalidAddressError)


def test_bonding_more_than_the_balance_fails(chain: Chain, kind: BondKind) -> None:
    # the fee is taken first, so one ugos more than what is left after it is too much
    result = expect_msg_failure(chain, ALICE, kind.bond(NODE0, FUNDS - FEE + 1), error=InsufficientFundsError)
    assert f"needs {FUNDS - FEE + 1}" in result.log
    assert get_node_backing_ugos(chain.state, NODE0) == (0, 0)


@pytest.mark.parametrize("amount", [0, -1, -GOS, 2**256])
def test_zero_negative_or_too_large_bond_is_refused(chain: Chain, kind: BondKind, amount: int) -> None:
    expect_rejected(chain, chain.tx(ALICE, kind.bond(NODE0, amount)), InvalidAmountError)


def test_failing_bond_reverts_earlier_bonds_of_the_tx(chain: Chain, kind: BondKind) -> None:
    expect_msg_failure(
        chain,
        ALICE,
        kind.bond(NODE0, 100 * GOS),
        kind.bond(NODE1, 100 * GOS),
        kind.bond(STRANGER, GOS),
        error=UnknownNodeError,
    )
    chain.block()
    assert get_delegations(chain.state, ALICE.address) == []
    assert get_account_hash_power(chain.state, ALICE.address) == {}
    assert get_node_backing_ugos(chain.state, NODE0) == (0, 0)


# --- votes and stakes together -----------------------------------------------------------------------------------


def test_whitepaper_500_voted_and_500_staked_are_2000_hash(chain: Chain) -> None:
    assert chain.run(ALICE, MsgVoteNode(NODE0, 500 * GOS), MsgStakeNode(NODE0, 499 * GOS)).code == 0
    assert chain.run(BOB, MsgStakeNode(NODE0, GOS)).code == 0  # tallies are per node, power per account
    # each kind gives hash power only in its own pool
    assert get_account_hash_power(chain.state, ALICE.address) == {"vote": 500 * H, "stake": 1_497 * H}
    assert get_account_hash_power(chain.state, BOB.address) == {"stake": 3 * H}
    assert get_total_hash_power(chain.state) == 2_000 * H
    assert get_node_backing_ugos(chain.state, NODE0) == (500 * GOS, 500 * GOS)


def test_a_nodes_vote_and_stake_tallies_are_kept_apart(chain: Chain) -> None:
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
