"""MsgUnvoteNode and MsgUnstakeNode (staking.handlers.process_unvote_node, process_unstake_node): redeeming votes
and stake.

Rules, the same for both kinds: hash power (and so rewards) stop at once; the GOS waits in the unbonding queue,
earning nothing, and returns at created_height + the kind's unbonding period (5 blocks for votes, 15 for stake in
TEST_PARAMS), not before. Completions are bounded per block (3 in TEST_PARAMS); the rest carry over to the next
blocks in queue order (completion height, then arrival), across votes and stakes. After a burn amounts are
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
from gostaking.chain.types.block import BlockResult
from gostaking.chain.types.staking import Unbonding
from gostaking.chain.types.tx import MsgUnvoteNode, MsgVoteNode

from harness import (
    BOND_KINDS,
    GOS,
    STAKE,
    TEST_PARAMS,
    VOTE,
    BondKind,
    Chain,
    events_of,
    expect_msg_failure,
    expect_rejected,
    fund_gos,
    key,
    make_chain,
    with_params,
)

ALICE, BOB = key(1), key(2)
NODE0, NODE1 = key(1000).address, key(1001).address
H = MICRO_HASH_PER_HASH
FEE = 1_000
BACKED = 300 * GOS
BONDED = MODULE_ADDRESSES[MODULE_BONDED]
UNBONDING = MODULE_ADDRESSES[MODULE_UNBONDING]
USERS_PER_BLOCK = TEST_PARAMS.emission.initial_reward_ugos * TEST_PARAMS.rewards.users_ppm // PPM
MAX_COMPLETIONS = TEST_PARAMS.staking.max_unbonding_completions_per_block
assert (VOTE.unbonding_blocks, STAKE.unbonding_blocks, MAX_COMPLETIONS) == (5, 15, 3)


def bonded_chain(kind: BondKind) -> Chain:
    """Alice has bonded 300 GOS of `kind` on node 0; Bob has GOS but no bonds."""
    chain = make_chain(node_count=2)
    fund_gos(chain, ALICE.address, 1_000 * GOS)
    fund_gos(chain, BOB.address, 1_000 * GOS)
    assert chain.run(ALICE, kind.bond(NODE0, BACKED)).code == 0
    return chain


@pytest.fixture(params=BOND_KINDS, ids=str)
def kind(request: pytest.FixtureRequest) -> BondKind:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def chain(kind: BondKind) -> Chain:
    return bonded_chain(kind)


def _completed(result: BlockResult) -> list[tuple[str, str, int, int]]:
    """(address, kind, shares, due height) of each completed unbonding, in completion order."""
    return [
        (e["address"], e["kind"], int(e["shares"]), int(e["due_height"]))
        for e in events_of(result, "unbonding_completed")
    ]


def test_redeeming_stops_hash_power_at_once_and_queues_the_gos(chain: Chain, kind: BondKind) -> None:
    assert get_account_hash_power(chain.state, ALICE.address) == {kind.name: 300 * kind.hash_per_gos * H}
    height = chain.height + 1
    result = chain.run(ALICE, kind.unbond(NODE0, 100 * GOS))
    assert result.code == 0, result.log
    assert get_delegation_shares(chain.state, ALICE.address, NODE0, kind.name) == 200 * GOS
    assert get_node_backing_ugos(chain.state, NODE0) == kind.backing(200 * GOS)
    assert get_account_hash_power(chain.state, ALICE.address) == {kind.name: 200 * kind.hash_per_gos * H}
    assert chain.state.pools.get(kind.name).units == 200 * GOS
    due = height + kind.unbonding_blocks
    entry = Unbonding(ALICE.address, NODE0, kind.name, 100 * GOS, height)
    assert chain.state.unbondings.get((due, 0)) == entry
    assert get_unbondings(chain.state, ALICE.address) == [(due, entry)]
    assert (chain.gos(BONDED), chain.gos(UNBONDING)) == (200 * GOS, 100 * GOS)
    assert events_of(result, f"un{kind}") == [
        {
            "address": ALICE.address,
            "node": NODE0,
            "amount": str(100 * GOS),
            "shares": str(100 * GOS),
            "completes": str(due),
        }
    ]


def test_gos_returns_exactly_at_created_height_plus_the_kinds_period(chain: Chain, kind: BondKind) -> None:
    created = chain.height + 1
    assert chain.run(ALICE, kind.unbond(NODE0, 100 * GOS)).code == 0
    waiting = chain.gos(ALICE.address)
    while chain.height < created + kind.unbonding_blocks - 1:
        assert _completed(chain.block()) == []
        assert chain.gos(ALICE.address) == waiting  # not a block early
    result = chain.block()
    assert chain.height == created + kind.unbonding_blocks
    assert events_of(result, "unbonding_completed") == [
        {
            "address": ALICE.address,
            "node": NODE0,
            "kind": kind.name,
            "shares": str(100 * GOS),
            "due_height": str(chain.height),
        }
    ]
    assert chain.gos(ALICE.address) == waiting + 100 * GOS
    assert get_unbondings(chain.state, ALICE.address) == []
    assert chain.gos(UNBONDING) == 0


def test_no_hash_power_and_no_rewards_while_unbonding(chain: Chain, kind: BondKind) -> None:
    assert chain.run(BOB, MsgVoteNode(NODE1, 100 * GOS)).code == 0
    alice_pending = get_pending_reward_shares(chain.state, ALICE.address)
    before = chain.gos(ALICE.address)
    result = chain.run(ALICE, kind.unbond(NODE0, BACKED), fee=FEE)
    assert result.code == 0, result.log
    # what was earned so far is paid with the redemption; then nothing more
    settled = before + alice_pending - FEE
    assert chain.gos(ALICE.address) == settled
    assert get_account_hash_power(chain.state, ALICE.address) == {}
    assert (ALICE.address, kind.name) not in chain.state.positions
    bob_pending = get_pending_reward_shares(chain.state, BOB.address)
    for blocks in range(1, kind.unbonding_blocks):
        chain.block()
        assert get_pending_reward_shares(chain.state, ALICE.address) == 0
        # Bob alone holds hash power; his 100 GOS of units divide the users' part exactly
        assert get_pending_reward_shares(chain.state, BOB.address) == bob_pending + blocks * USERS_PER_BLOCK
        assert chain.gos(ALICE.address) == settled
    chain.block()
    assert chain.gos(ALICE.address) == settled + BACKED  # exactly the GOS, no reward on it


def test_redeeming_everything_deletes_the_delegation(chain: Chain, kind: BondKind) -> None:
    assert chain.run(ALICE, kind.unbond(NODE0, BACKED)).code == 0
    assert (ALICE.address, NODE0, kind.name) not in chain.state.delegations
    assert get_delegations(chain.state, ALICE.address) == []
    assert getattr(chain.state.nodes.get(NODE0), f"{kind}_shares") == 0


def test_redeeming_leaves_the_other_kind_on_the_same_node_alone(chain: Chain, kind: BondKind) -> None:
    other = kind.other
    assert chain.run(ALICE, other.bond(NODE0, 10 * GOS), kind.unbond(NODE0, BACKED)).code == 0
    assert get_delegations(chain.state, ALICE.address) == [(NODE0, other.name, 10 * GOS)]
    assert get_account_hash_power(chain.state, ALICE.address) == {other.name: 10 * other.hash_per_gos * H}


# --- the bounded unbonding queue ---------------------------------------------------------------------------------


def test_completions_per_block_are_bounded_and_keep_queue_order(chain: Chain, kind: BondKind) -> None:
    created = chain.height + 1
    amounts = [n * GOS for n in (7, 6, 5, 4, 3, 2, 1)]  # 7 entries due at the same height, queued largest first
    assert chain.run(ALICE, *[kind.unbond(NODE0, a) for a in amounts]).code == 0
    assert chain.run(ALICE, kind.unbond(NODE0, 10 * GOS)).code == 0  # one more, due a block later
    due = created + kind.unbonding_blocks
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
        assert chain.gos(ALICE.address) == before + sum(shares for _, _, shares, _ in batch)
        completed.append(batch)

    def alices(*entries: tuple[int, int]) -> list[tuple[str, str, int, int]]:
        return [(ALICE.address, kind.name, shares, due_height) for shares, due_height in entries]

    assert completed == [
        alices((amounts[0], due), (amounts[1], due), (amounts[2], due)),  # 3 of 7 at their due height
        alices((amounts[3], due), (amounts[4], due), (amounts[5], due)),  # 3 more, before the entry due now
        alices((amounts[6], due), (10 * GOS, due + 1)),  # the backlog's last, then the later entry
        [],
    ]
    assert get_unbondings(chain.state, ALICE.address) == []
    assert chain.gos(UNBONDING) == 0


def test_entries_of_several_accounts_complete_in_queue_order(chain: Chain, kind: BondKind) -> None:
    assert chain.run(BOB, kind.bond(NODE1, 100 * GOS)).code == 0
    block = chain.block(
        chain.tx(BOB, kind.unbond(NODE1, 1 * GOS), kind.unbond(NODE1, 2 * GOS)),
        chain.tx(ALICE, kind.unbond(NODE0, 3 * GOS), kind.unbond(NODE0, 4 * GOS)),
    )
    assert [r.code for r in block.tx_results] == [0, 0]
    due = chain.height + kind.unbonding_blocks
    chain.blocks(kind.unbonding_blocks - 1)
    assert _completed(chain.block()) == [
        (BOB.address, kind.name, 1 * GOS, due),
        (BOB.address, kind.name, 2 * GOS, due),
        (ALICE.address, kind.name, 3 * GOS, due),
    ]
    assert _completed(chain.block()) == [(ALICE.address, kind.name, 4 * GOS, due)]


def test_votes_and_stakes_complete_in_order_of_completion_height() -> None:
    chain = bonded_chain(STAKE)
    assert chain.run(ALICE, MsgVoteNode(NODE1, 100 * GOS)).code == 0
    start = chain.height + 1
    late_vote = start + STAKE.unbonding_blocks - VOTE.unbonding_blocks
    txs = {
        start: STAKE.unbond(NODE0, 10 * GOS),  # due start + 15
        start + 1: MsgUnvoteNode(NODE1, 20 * GOS),  # due start + 6: overtakes the stake
        late_vote: MsgUnvoteNode(NODE1, 30 * GOS),  # due start + 15, queued after the stake
    }
    seen: dict[int, list[tuple[str, str, int, int]]] = {}
    while chain.height < start + STAKE.unbonding_blocks:
        msg = txs.get(chain.height + 1)
        block = chain.block(chain.tx(ALICE, msg)) if msg else chain.block()
        assert all(r.code == 0 for r in block.tx_results)
        if completed := _completed(block):
            seen[chain.height] = completed
    vote_due, stake_due = start + 1 + VOTE.unbonding_blocks, start + STAKE.unbonding_blocks
    assert seen == {
        vote_due: [(ALICE.address, "vote", 20 * GOS, vote_due)],
        stake_due: [(ALICE.address, "stake", 10 * GOS, stake_due), (ALICE.address, "vote", 30 * GOS, stake_due)],
    }


# --- invalid redemptions: fee charged, sequence consumed, nothing else changes --------------------------------


def test_redeeming_more_than_bonded_fails(chain: Chain, kind: BondKind) -> None:
    result = expect_msg_failure(chain, ALICE, kind.unbond(NODE0, BACKED + 1), error=InsufficientDelegationError)
    assert f"has {BACKED} ugos {kind}d on {NODE0}" in result.log
    assert get_account_hash_power(chain.state, ALICE.address) == {kind.name: 300 * kind.hash_per_gos * H}


def test_redeeming_from_a_node_not_backed_fails(chain: Chain, kind: BondKind) -> None:
    expect_msg_failure(chain, ALICE, kind.unbond(NODE1, GOS), error=InsufficientDelegationError)


def test_the_other_kind_cannot_be_redeemed_as_this_one(chain: Chain, kind: BondKind) -> None:
    assert chain.run(ALICE, kind.other.bond(NODE1, 50 * GOS)).code == 0
    expect_msg_failure(chain, ALICE, kind.unbond(NODE1, GOS), error=InsufficientDelegationError)


def test_nobody_can_redeem_anothers_bond(chain: Chain, kind: BondKind) -> None:
    expect_msg_failure(chain, BOB, kind.unbond(NODE0, GOS), error=InsufficientDelegationError)


def test_redeeming_from_an_unknown_node_fails(chain: Chain, kind: BondKind) -> None:
    expect_msg_failure(chain, ALICE, kind.unbond(key(77).address, GOS), error=UnknownNodeError)


@pytest.mark.parametrize("node", ["", NODE0.upper(), "gos1qqqq", NODE0 + "x"])
def test_redeeming_from_a_malformed_node_address_is_refused(chain: Chain, kind: BondKind, node: str) -> None:
    expect_rejected(chain, chain.tx(ALICE, kind.unbond(node, GOS)), InvalidAddressError)


@pytest.mark.parametrize("amount", [0, -1, 2**256])
def test_zero_negative_or_too_large_redemption_is_refused(chain: Chain, kind: BondKind, amount: int) -> None:
    expect_rejected(chain, chain.tx(ALICE, kind.unbond(NODE0, amount)), InvalidAmountError)


@pytest.mark.parametrize(
    ("first", "second"),
    [(100 * GOS, 250 * GOS), (BACKED, GOS)],  # only 200 GOS left; nothing left
    ids=["more-than-is-left", "nothing-left"],
)
def test_failing_redemption_reverts_earlier_ones_in_the_tx(
    chain: Chain, kind: BondKind, first: int, second: int
) -> None:
    expect_msg_failure(
        chain, ALICE, kind.unbond(NODE0, first), kind.unbond(NODE0, second), error=InsufficientDelegationError
    )
    assert get_unbondings(chain.state, ALICE.address) == []
    assert get_delegation_shares(chain.state, ALICE.address, NODE0, kind.name) == BACKED
    assert get_delegations(chain.state, ALICE.address) == [(NODE0, kind.name, BACKED)]


# --- rounding after a burn -------------------------------------------------------------------------------------

BURN_HEIGHT = 20
BURN_PARAMS = with_params(emission={"burn_start_height": BURN_HEIGHT, "burn_interval_blocks": 1_000})


def _bonded_then_burned(kind: BondKind, shares: int) -> Chain:
    chain = make_chain(params=BURN_PARAMS)
    fund_gos(chain, ALICE.address, 1_000 * GOS)
    assert chain.run(ALICE, kind.bond(NODE0, shares)).code == 0  # index 1: ugos = shares
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
def test_redeeming_the_whole_displayed_amount_after_a_burn_redeems_every_share(kind: BondKind, shares: int) -> None:
    chain = _bonded_then_burned(kind, shares)
    displayed = shares * 9 // 10
    assert get_delegations(chain.state, ALICE.address) == [(NODE0, kind.name, displayed)]
    result = chain.run(ALICE, kind.unbond(NODE0, displayed))
    assert result.code == 0, result.log
    assert get_delegation_shares(chain.state, ALICE.address, NODE0, kind.name) == 0
    assert get_delegations(chain.state, ALICE.address) == []
    assert getattr(chain.state.nodes.get(NODE0), f"{kind}_shares") == 0
    assert (ALICE.address, kind.name) not in chain.state.positions
    [(_, entry)] = get_unbondings(chain.state, ALICE.address)
    assert entry.shares == shares
    before = get_shares(chain.state, ALICE.address)
    chain.blocks(kind.unbonding_blocks)
    assert get_shares(chain.state, ALICE.address) == before + shares


def test_more_than_the_displayed_amount_after_a_burn_fails(kind: BondKind) -> None:
    chain = _bonded_then_burned(kind, 100 * GOS + 1)
    displayed = (100 * GOS + 1) * 9 // 10
    result = expect_msg_failure(chain, ALICE, kind.unbond(NODE0, displayed + 1), error=InsufficientDelegationError)
    assert f"has {displayed} ugos {kind}d" in result.log
