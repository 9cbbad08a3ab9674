"""MsgClaimRewards (staking.handlers.process_claim_rewards) and the per-block reward split it pays out.

Rules (DESIGN.md): each block's reward (10,000 GOS in TEST_PARAMS below height 201) splits
  85% to hash-power holders by share (lazy: one reward-per-unit accumulator per pool),
  10% plus the block's fees to the mining nodes that signed, equally (only signers in the mining set count),
   5% to candidate nodes by weight vote + 3 × stake;
whatever cannot be given out (nobody to give it to, rounding) goes to the community pool. A claim pays the
sender's pending rewards exactly (and, for an operator, its node's candidate rewards).
"""

import pytest

from gostaking.chain.constants import MODULE_ADDRESSES
from gostaking.chain.errors import InsufficientFundsError
from gostaking.chain.genesis import GenesisBalance
from gostaking.chain.modules.bank.queries import get_gos_supply_ugos
from gostaking.chain.modules.mining.queries import get_pending_reward_shares
from gostaking.chain.modules.nodes.queries import get_pending_candidate_reward_shares
from gostaking.chain.numeric import PPM
from gostaking.chain.types.tx import (
    MsgClaimRewards,
    MsgLockAsset,
    MsgRegisterNode,
    MsgSendCoins,
    MsgStakeNode,
    MsgVoteNode,
)

from harness import (
    GOS,
    NEW_BALANCE_FEE,
    TEST_PARAMS,
    Chain,
    block_signed_by,
    bond_all,
    consensus_key,
    events_of,
    expect_msg_failure,
    expect_rejected,
    fund_gos,
    key,
    make_chain,
    register_nodes,
    run_to_epoch_end,
    with_params,
)

ALICE, BOB, CAROL, WHALE = key(1), key(2), key(3), key(9)
OP0, OP1, OP2 = key(1000).address, key(1001).address, key(1002).address  # genesis node operators
K0, K1, K2 = consensus_key(1), consensus_key(2), consensus_key(3)
FEE = 1_000
REWARD = TEST_PARAMS.emission.initial_reward_ugos
USERS = REWARD * TEST_PARAMS.rewards.users_ppm // PPM
MINING = REWARD * TEST_PARAMS.rewards.mining_nodes_ppm // PPM
CANDIDATES = REWARD * TEST_PARAMS.rewards.candidate_nodes_ppm // PPM
assert (REWARD, USERS, MINING, CANDIDATES) == (10_000 * GOS, 8_500 * GOS, 1_000 * GOS, 500 * GOS)
COMMUNITY = MODULE_ADDRESSES["community_pool"]
REWARDS_MODULE = MODULE_ADDRESSES["rewards"]
CANDIDATE_MODULE = MODULE_ADDRESSES["candidate_rewards"]
FEE_COLLECTOR = MODULE_ADDRESSES["fee_collector"]


def _holdings(chain: Chain, *addresses: str) -> dict[str, int]:
    return {a: chain.gos(a) for a in addresses}


def _delta(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {a: after[a] - before[a] for a in after}


# --- the 85 / 10 / 5 split ------------------------------------------------------------------------------------


def test_one_block_splits_85_10_5_between_holders_signers_and_the_community_pool() -> None:
    chain = make_chain(balances=[GenesisBalance(ALICE.address, "btc", 10**8)])
    fund_gos(chain, ALICE.address, 10 * GOS)
    assert chain.run(ALICE, MsgLockAsset("btc", 10**8)).code == 0  # Alice: all the hash power
    pending = get_pending_reward_shares(chain.state, ALICE.address)
    watched = (OP0, COMMUNITY, REWARDS_MODULE, CANDIDATE_MODULE, FEE_COLLECTOR, ALICE.address)
    before, supply = _holdings(chain, *watched), get_gos_supply_ugos(chain.state)
    result = chain.block()
    assert get_gos_supply_ugos(chain.state) == supply + REWARD
    assert _delta(_holdings(chain, *watched), before) == {
        OP0: MINING,  # the only mining node signed
        COMMUNITY: CANDIDATES,  # no candidate nodes yet
        REWARDS_MODULE: USERS,  # owed to Alice until she claims
        CANDIDATE_MODULE: 0,
        FEE_COLLECTOR: 0,
        ALICE.address: 0,  # rewards are lazy: nothing moves until she claims
    }
    assert get_pending_reward_shares(chain.state, ALICE.address) == pending + USERS  # 1e8 units divide it exactly
    assert events_of(result, "user_rewards") == [
        {"shares": str(USERS), "credited": str(USERS), "to_community_pool": "0"}
    ]


def test_without_any_hash_power_the_users_part_goes_to_the_community_pool() -> None:
    chain = make_chain()
    chain.blocks(1)
    before = chain.gos(COMMUNITY)
    chain.blocks(3)
    assert chain.gos(COMMUNITY) == before + 3 * (USERS + CANDIDATES)
    assert chain.gos(REWARDS_MODULE) == 0


def test_rounding_dust_of_the_users_part_goes_to_the_community_pool() -> None:
    chain = make_chain(balances=[GenesisBalance(BOB.address, "btc", 1)])
    fund_gos(chain, ALICE.address, 10 * GOS)
    fund_gos(chain, BOB.address, 10 * GOS)
    block = chain.block(chain.tx(ALICE, MsgVoteNode(OP0, GOS)), chain.tx(BOB, MsgLockAsset("btc", 1)))
    assert [r.code for r in block.tx_results] == [0, 0]
    # Hash power: Alice 1 GOS voted = 1,000,000 micro-H/s; Bob 1 satoshi = 1e-8 × 10,000 GOS × 0.1 = 10 micro-H/s.
    # Pools get floor(8.5e9 × 1,000,000 / 1,000,010) = 8,499,915,000 and floor(8.5e9 × 10 / 1,000,010) = 84,999
    # shares; both divide by their units (1e6 and 1), so 8,499,999,999 are credited and 1 share is dust.
    vote_part, lock_part = 8_499_915_000, 84_999
    assert (vote_part, lock_part) == (USERS * 1_000_000 // 1_000_010, USERS * 10 // 1_000_010)
    alice, bob = (get_pending_reward_shares(chain.state, k.address) for k in (ALICE, BOB))
    community, dust = chain.gos(COMMUNITY), chain.state.reward_totals.get().dust_shares
    result = chain.block()
    assert get_pending_reward_shares(chain.state, ALICE.address) == alice + vote_part
    assert get_pending_reward_shares(chain.state, BOB.address) == bob + lock_part
    assert chain.gos(COMMUNITY) == community + CANDIDATES + 1
    assert chain.state.reward_totals.get().dust_shares == dust + 1
    assert events_of(result, "user_rewards")[0]["to_community_pool"] == "1"


# --- mining nodes: 10% + fees, equally among signers in the mining set ------------------------------------------


@pytest.fixture
def three_nodes() -> Chain:
    chain = make_chain(node_count=3)
    assert chain.state.mining_set.get().operators == (OP0, OP1, OP2)
    # Bob registers a node that never gets backing: it signs, but is not in the mining set
    fund_gos(chain, BOB.address, 10 * GOS)
    assert chain.run(BOB, MsgRegisterNode(consensus_key(50), "not-mining")).code == 0
    return chain


@pytest.mark.parametrize(
    ("signers", "paid"),
    [
        ((K0, K1, K2), {OP0: MINING // 3, OP1: MINING // 3, OP2: MINING // 3}),  # 1 share of remainder
        ((K0, K1), {OP0: MINING // 2, OP1: MINING // 2, OP2: 0}),
        ((K2,), {OP0: 0, OP1: 0, OP2: MINING}),
        ((K0, K0), {OP0: MINING, OP1: 0, OP2: 0}),  # a signature counts once
        ((K1, consensus_key(50), consensus_key(99)), {OP0: 0, OP1: MINING, OP2: 0}),  # non-mining, unknown
        ((), {OP0: 0, OP1: 0, OP2: 0}),
    ],
    ids=["all-three", "two", "one", "duplicate", "outsiders-ignored", "nobody"],
)
def test_mining_part_is_shared_equally_by_the_mining_nodes_that_signed(
    three_nodes: Chain, signers: tuple[bytes, ...], paid: dict[str, int]
) -> None:
    chain = three_nodes
    watched = (OP0, OP1, OP2, BOB.address, COMMUNITY)
    before = _holdings(chain, *watched)
    signed_before = {op: chain.state.nodes.get(op).blocks_signed for op in (OP0, OP1, OP2, BOB.address)}
    block_signed_by(chain, signers)
    remainder = MINING - sum(paid.values())
    assert _delta(_holdings(chain, *watched), before) == {
        **paid,
        BOB.address: 0,
        COMMUNITY: USERS + CANDIDATES + remainder,  # no hash power and no candidates either
    }
    counted = {op for op, amount in paid.items() if amount}
    assert {op: chain.state.nodes.get(op).blocks_signed - n for op, n in signed_before.items()} == {
        op: int(op in counted) for op in signed_before
    }


def test_fees_go_to_the_mining_nodes(three_nodes: Chain) -> None:
    chain = three_nodes
    fund_gos(chain, ALICE.address, 10 * GOS)
    before = _holdings(chain, OP0, OP1, OP2, COMMUNITY)
    block = block_signed_by(
        chain,
        (K0, K1),
        chain.tx(ALICE, MsgSendCoins(CAROL.address, "ugos", 1), fee=5_000),
        chain.tx(BOB, MsgSendCoins(CAROL.address, "ugos", 1), fee=7_000),
    )
    assert [r.code for r in block.tx_results] == [0, 0]
    fees = 5_000 + 7_000 + NEW_BALANCE_FEE  # Alice's transfer created Carol's balance
    each = (MINING + fees) // 2
    assert _delta(_holdings(chain, OP0, OP1, OP2, COMMUNITY), before) == {
        OP0: each,
        OP1: each,
        OP2: 0,
        COMMUNITY: USERS + CANDIDATES,
    }
    assert chain.gos(FEE_COLLECTOR) == 0
    assert events_of(block, "mining_node_rewards") == [
        {"shares": str(MINING + fees), "signers": "2", "each": str(each)}
    ]


def test_fees_of_a_block_nobody_signed_go_to_the_community_pool(three_nodes: Chain) -> None:
    chain = three_nodes
    before = chain.gos(COMMUNITY)
    block = block_signed_by(chain, (), chain.tx(BOB, MsgSendCoins(CAROL.address, "ugos", 1), fee=3_000))
    assert block.tx_results[0].code == 0
    assert chain.gos(COMMUNITY) == before + REWARD + 3_000 + NEW_BALANCE_FEE  # Bob's transfer created Carol's


# --- candidate nodes: 5% by vote + 3 × stake -------------------------------------------------------------------

CANDIDATE_PARAMS = with_params(
    nodes={"min_votes_ugos": GOS, "min_stake_ugos": GOS, "mining_by_stake": 1, "mining_by_votes": 1, "epoch_blocks": 10}
)


@pytest.fixture
def candidates() -> tuple[Chain, list[str], list[bytes]]:
    """Nodes A..D: A mines by stake, B by votes; C (weight 10 + 3×10 = 40 GOS) and D (4 + 3×2 = 10) are the
    candidates, elected at the end of the last block."""
    chain = make_chain(params=CANDIDATE_PARAMS)
    fund_gos(chain, WHALE.address, 500 * GOS)
    operators = [key(4000 + i) for i in range(4)]
    keys = register_nodes(chain, operators)
    a, b, c, d = (op.address for op in operators)
    # 65 GOS staked and 55 voted: 195 + 55 = 250 H/s, so the users' part splits without dust (34 GOS per H/s)
    backing = {a: (51, 1), b: (2, 40), c: (10, 10), d: (2, 4)}
    bond_all(chain, WHALE, [(op, "stake", s * GOS) for op, (s, _) in backing.items()])
    bond_all(chain, WHALE, [(op, "vote", v * GOS) for op, (_, v) in backing.items()])
    run_to_epoch_end(chain)
    mining_set = chain.state.mining_set.get()
    assert (mining_set.operators, mining_set.candidates) == ((a, b), (c, d))
    return chain, [a, b, c, d], keys


def test_candidates_share_five_percent_by_vote_plus_three_times_stake(
    candidates: tuple[Chain, list[str], list[bytes]],
) -> None:
    chain, (a, b, c, d), keys = candidates
    assert [chain.state.nodes.get(op).candidate_units for op in (a, b, c, d)] == [0, 0, 40 * GOS, 10 * GOS]
    before = _holdings(chain, a, b, COMMUNITY)
    for _ in range(3):
        block_signed_by(chain, keys[:2])  # A and B are the mining set now
    # 500 GOS a block over a weight of 50 GOS: 40/50 to C, 10/50 to D, nothing left over
    assert get_pending_candidate_reward_shares(chain.state, c) == 3 * CANDIDATES * 40 // 50
    assert get_pending_candidate_reward_shares(chain.state, d) == 3 * CANDIDATES * 10 // 50
    assert get_pending_candidate_reward_shares(chain.state, a) == 0
    assert _delta(_holdings(chain, a, b, COMMUNITY), before) == {
        a: 3 * MINING // 2,
        b: 3 * MINING // 2,
        COMMUNITY: 0,  # the whale's bonds take the users' part, C and D all of the candidates' part
    }


def test_a_candidates_new_backing_changes_its_weight_and_settles_it(
    candidates: tuple[Chain, list[str], list[bytes]],
) -> None:
    chain, (_, _, c, d), _ = candidates
    chain.blocks(1)
    earned = get_pending_candidate_reward_shares(chain.state, d)
    assert earned == CANDIDATES * 10 // 50
    before = chain.gos(d)
    # 10 GOS more stake on D: D weighs 4 + 3×12 = 40 GOS, like C
    assert chain.run(WHALE, MsgStakeNode(d, 10 * GOS)).code == 0
    assert chain.state.nodes.get(d).candidate_units == 40 * GOS
    assert chain.gos(d) == before + earned  # settled to the operator when the weight changed
    c_before = get_pending_candidate_reward_shares(chain.state, c)
    chain.blocks(2)
    assert get_pending_candidate_reward_shares(chain.state, c) == c_before + 2 * CANDIDATES // 2
    assert get_pending_candidate_reward_shares(chain.state, d) == CANDIDATES // 2 + 2 * CANDIDATES // 2


def test_operator_claim_pays_its_candidate_rewards(candidates: tuple[Chain, list[str], list[bytes]]) -> None:
    chain, (_, _, c, _), _ = candidates
    operator = key(4002)
    assert operator.address == c
    chain.blocks(2)
    pending = get_pending_candidate_reward_shares(chain.state, c)
    assert pending == 2 * CANDIDATES * 40 // 50
    before = chain.gos(c)
    result = chain.run(operator, MsgClaimRewards(), fee=FEE)
    assert result.code == 0, result.log
    assert events_of(result, "candidate_reward_paid") == [{"node": c, "shares": str(pending)}]
    assert events_of(result, "claim") == [{"address": c, "shares": str(pending)}]
    assert chain.gos(c) == before + pending - FEE
    # the claim's own block earned again
    assert get_pending_candidate_reward_shares(chain.state, c) == CANDIDATES * 40 // 50


# --- claims -----------------------------------------------------------------------------------------------------


@pytest.fixture
def holder() -> Chain:
    """Alice, the only holder, locks 1 BTC (1,000 H/s), votes 100 GOS (100 H/s) and stakes 200 GOS (600 H/s):
    1,700 H/s, which splits each block's 8,500 GOS into 5,000 / 500 / 3,000 GOS with no rounding at all."""
    chain = make_chain(balances=[GenesisBalance(ALICE.address, "btc", 10**8)])
    fund_gos(chain, ALICE.address, 400 * GOS)
    fund_gos(chain, BOB.address, 10 * GOS)
    msgs = (MsgLockAsset("btc", 10**8), MsgVoteNode(OP0, 100 * GOS), MsgStakeNode(OP0, 200 * GOS))
    assert chain.run(ALICE, *msgs).code == 0
    return chain


def test_claim_pays_exactly_what_is_pending(holder: Chain) -> None:
    chain = holder
    chain.blocks(3)
    blocks = 4  # the setup block and three more
    powers = {"lock:btc": 1_000, "stake": 600, "vote": 100}
    per_pool = {pool: blocks * USERS * power // 1_700 for pool, power in powers.items()}
    pending = get_pending_reward_shares(chain.state, ALICE.address)
    assert pending == sum(per_pool.values()) == blocks * USERS
    before = chain.gos(ALICE.address)
    community = chain.gos(COMMUNITY)
    result = chain.run(ALICE, MsgClaimRewards(), fee=FEE)
    assert result.code == 0, result.log
    assert {e["pool"]: int(e["shares"]) for e in events_of(result, "reward_paid")} == per_pool
    assert events_of(result, "claim") == [{"address": ALICE.address, "shares": str(pending)}]
    assert chain.gos(ALICE.address) == before + pending - FEE
    assert get_pending_reward_shares(chain.state, ALICE.address) == USERS  # the claim's own block
    assert chain.gos(COMMUNITY) == community + CANDIDATES  # no dust


def test_second_claim_in_the_same_tx_pays_nothing(holder: Chain) -> None:
    chain = holder
    pending = get_pending_reward_shares(chain.state, ALICE.address)
    assert pending > 0
    result = chain.run(ALICE, MsgClaimRewards(), MsgClaimRewards())
    assert result.code == 0, result.log
    assert [e["shares"] for e in events_of(result, "claim")] == [str(pending), "0"]


def test_claim_with_nothing_pending_only_costs_the_fee(holder: Chain) -> None:
    chain = holder
    before = chain.gos(BOB.address)
    result = chain.run(BOB, MsgClaimRewards(), fee=FEE)
    assert result.code == 0, result.log
    assert events_of(result, "claim") == [{"address": BOB.address, "shares": "0"}]
    assert events_of(result, "reward_paid") == []
    assert chain.gos(BOB.address) == before - FEE


def test_claim_in_a_failing_tx_pays_nothing(holder: Chain) -> None:
    chain = holder
    pending = get_pending_reward_shares(chain.state, ALICE.address)
    # the vote fails in its handler (more than Alice holds), after the claim ran: the whole tx reverts
    expect_msg_failure(chain, ALICE, MsgClaimRewards(), MsgVoteNode(OP0, 10**12 * GOS), error=InsufficientFundsError)
    assert get_pending_reward_shares(chain.state, ALICE.address) == pending


def test_claim_by_an_account_that_cannot_pay_the_fee_is_rejected(holder: Chain) -> None:
    expect_rejected(holder, holder.tx(CAROL, MsgClaimRewards()), InsufficientFundsError)


@pytest.mark.parametrize(
    ("alice_msg", "bob_msg"),
    [
        (MsgVoteNode(OP0, 123_456_789), MsgStakeNode(OP0, 123_456_789)),  # 123.456789 H/s vs 370.370367 H/s
        (MsgLockAsset("btc", 10**8), MsgStakeNode(OP0, 1_000 * GOS)),  # 1,000 H/s vs 3,000 H/s
        (MsgVoteNode(OP0, 7 * GOS), MsgVoteNode(OP0, 21 * GOS)),  # same pool, 7 : 21
    ],
    ids=["vote-vs-stake", "lock-vs-stake", "same-pool"],
)
def test_holders_with_1_to_3_hash_power_earn_1_to_3(alice_msg: object, bob_msg: object) -> None:
    chain = make_chain(balances=[GenesisBalance(ALICE.address, "btc", 10**8)])
    fund_gos(chain, ALICE.address, 200 * GOS)
    fund_gos(chain, BOB.address, 1_100 * GOS)
    block = chain.block(chain.tx(ALICE, alice_msg), chain.tx(BOB, bob_msg))  # type: ignore[arg-type]
    assert [r.code for r in block.tx_results] == [0, 0]
    blocks = 10
    chain.blocks(blocks - 1)
    alice_exact = blocks * USERS // 4  # a quarter of each block's users' part; 8,500 GOS divides by 4
    alice, bob = (get_pending_reward_shares(chain.state, k.address) for k in (ALICE, BOB))
    # each pool's per-unit accumulator rounds down: at most one share lost per block
    assert alice_exact - blocks <= alice <= alice_exact
    assert 3 * alice_exact - blocks <= bob <= 3 * alice_exact
    assert abs(bob - 3 * alice) <= 4 * blocks
    # claims pay exactly those amounts
    before = _holdings(chain, ALICE.address, BOB.address)
    claims = chain.block(chain.tx(ALICE, MsgClaimRewards()), chain.tx(BOB, MsgClaimRewards()))
    assert [r.code for r in claims.tx_results] == [0, 0]
    assert _delta(_holdings(chain, ALICE.address, BOB.address), before) == {
        ALICE.address: alice - FEE,
        BOB.address: bob - FEE,
    }
