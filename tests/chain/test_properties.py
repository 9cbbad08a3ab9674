"""Property tests: random operations over many blocks (with double-sign evidence now and then) keep supply and
reward invariants after every block, and execution is deterministic (two replays write identical state)."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gostaking.chain.crypto import consensus_address
from gostaking.chain.genesis import GenesisBalance
from gostaking.chain.invariants import check_invariants
from gostaking.chain.modules.mining.queries import get_account_hash_power, get_total_hash_power
from gostaking.chain.types.block import Misbehavior
from gostaking.chain.types.tx import (
    Msg,
    MsgClaimRewards,
    MsgLockAsset,
    MsgRegisterNode,
    MsgSendCoins,
    MsgStakeNode,
    MsgUnlockAsset,
    MsgUnstakeNode,
    MsgUnvoteNode,
    MsgVoteNode,
)

from harness import GOS, Chain, consensus_key, fund_gos, key, make_chain

USERS = [key(1 + i) for i in range(5)]
NODES = [key(1000).address, USERS[3].address, USERS[4].address, key(77).address]  # the last is never registered
amounts = st.integers(min_value=0, max_value=400 * GOS) | st.sampled_from([1, 10**9, 10**40])

messages: st.SearchStrategy[Msg] = st.one_of(
    st.builds(MsgSendCoins, to=st.sampled_from([u.address for u in USERS]), denom=st.just("ugos"), amount=amounts),
    st.builds(MsgSendCoins, to=st.sampled_from([u.address for u in USERS]), denom=st.just("btc"), amount=amounts),
    st.builds(MsgLockAsset, denom=st.sampled_from(["btc", "eth", "doge"]), amount=amounts),
    st.builds(MsgUnlockAsset, denom=st.sampled_from(["btc", "eth"]), amount=amounts),
    st.builds(MsgVoteNode, node=st.sampled_from(NODES), amount=amounts),
    st.builds(MsgUnvoteNode, node=st.sampled_from(NODES), amount=amounts),
    st.builds(MsgStakeNode, node=st.sampled_from(NODES), amount=amounts),
    st.builds(MsgUnstakeNode, node=st.sampled_from(NODES), amount=amounts),
    st.just(MsgClaimRewards()),
)
USER_NODE_KEYS = [bytes([200 + n]) * 32 for n in range(2)]
CONSENSUS_ADDRESSES = [consensus_address(consensus_key(1))] + [consensus_address(k) for k in USER_NODE_KEYS]
tx_plan = st.tuples(st.integers(0, len(USERS) - 1), st.lists(messages, min_size=1, max_size=3))
# Now and then a block carries double-sign evidence for one of the three nodes, at a fault some blocks back.
evidence_plan = st.none() | st.tuples(st.integers(0, len(CONSENSUS_ADDRESSES) - 1), st.integers(0, 20))
block_plan = st.tuples(st.lists(tx_plan, max_size=4), evidence_plan)
chain_plan = st.lists(block_plan, min_size=1, max_size=25)
Plan = list[tuple[list[tuple[int, list[Msg]]], tuple[int, int] | None]]


def fresh_chain() -> Chain:
    chain = make_chain(
        balances=[GenesisBalance(u.address, "btc", 50 * 10**8) for u in USERS]
        + [GenesisBalance(u.address, "eth", 10**20) for u in USERS],
    )
    for user in USERS:
        fund_gos(chain, user.address, 1_000 * GOS)
    for n, operator in enumerate(USERS[3:5]):
        assert chain.run(operator, MsgRegisterNode(USER_NODE_KEYS[n], f"user-node-{n}")).code == 0
    return chain


def play(chain: Chain, plan: Plan) -> list[dict[bytes, bytes | None]]:
    writes = []
    for block, evidence in plan:
        txs = [chain.tx(USERS[user], *msgs) for user, msgs in block]
        misbehavior = []
        if evidence is not None:
            node, blocks_ago = evidence
            fault_height = max(1, chain.height - blocks_ago)
            misbehavior.append(Misbehavior("duplicate_vote", CONSENSUS_ADDRESSES[node], fault_height))
        chain.block(*txs, misbehavior=misbehavior)  # check_invariants runs after every block
        writes.append(chain.state.take_block_writes())
    return writes


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(plan=chain_plan)
def test_random_operations_keep_every_invariant_after_every_block(plan: Plan) -> None:
    chain = fresh_chain()
    play(chain, plan)
    # Network hash power is the sum of the holders' (each holder's GOS pools round down by < 1 ugos per pool).
    holders = sum(sum(get_account_hash_power(chain.state, u.address).values()) for u in USERS)
    total = get_total_hash_power(chain.state)
    assert 0 <= total - holders <= 3 * len(USERS) * 3


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=10)
@given(plan=chain_plan)
def test_replaying_the_same_blocks_writes_identical_state(plan: Plan) -> None:
    first, second = fresh_chain(), fresh_chain()
    first.state.take_block_writes()
    second.state.take_block_writes()
    assert play(first, plan) == play(second, plan)


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=15)
@given(plan=chain_plan)
def test_random_operations_across_burns_and_halvings_keep_invariants(plan: Plan) -> None:
    chain = fresh_chain()
    # Jump to just before the first burn of the fast test schedule, then play: burns, halvings and
    # unbonding completions all happen while the random operations run.
    chain.check = False
    while chain.height < 495:
        chain.block()
    chain.check = True
    check_invariants(chain.state)
    play(chain, plan + [([], None)] * 60)
