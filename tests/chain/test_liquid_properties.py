"""Property tests of liquid staking: random sequences of stake, unstake, claim, instant unstake, pool deposits and
withdrawals, sGOS transfers, rewards (blocks), burns (emission's reverse split) and double-sign slashes keep every
invariant after every block, and a burn leaves every holder's fraction of GOS, and the rate in shares, unchanged."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from liquid_harness import make_liquid_chain

from gostaking.chain.crypto import consensus_address
from gostaking.chain.invariants import check_invariants
from gostaking.chain.modules.bank.mutations import apply_reverse_split
from gostaking.chain.modules.bank.queries import get_gos_supply, get_shares
from gostaking.chain.modules.liquid.queries import get_exchange_rate, get_liquid_totals, get_pool
from gostaking.chain.types.block import Misbehavior
from gostaking.chain.types.liquid import (
    LP_DENOM,
    SGOS_DENOM,
    MsgLiquidAddLiquidity,
    MsgLiquidClaimTicket,
    MsgLiquidInstantUnstake,
    MsgLiquidRemoveLiquidity,
    MsgLiquidStake,
    MsgLiquidUnstake,
)
from gostaking.chain.types.tx import Msg, MsgSendCoins

from harness import GOS, Chain, consensus_key, key

USERS = [key(1 + i) for i in range(4)]
# Amounts are drawn as parts per million of what the sender holds when the block is built (above 10^6: more than
# it holds), so operations stay meaningful whatever the rate has become; 0 and 2^256 test the refusals.
fractions = st.sampled_from([1_000, 100_000, 250_000, 500_000, 10**6, 1_100_000, 0, 2**256]) | st.integers(1, 10**6)
KINDS = ("stake", "unstake", "claim", "instant", "add", "remove", "send")
op = st.tuples(st.sampled_from(KINDS), fractions, st.integers(0, len(USERS) - 1))
tx_plan = st.tuples(st.integers(0, len(USERS) - 1), st.lists(op, min_size=1, max_size=2))
# A step is a block of transactions, a burn between blocks, a block carrying double-sign evidence of node 1, or
# some empty blocks (rewards, rebalances, ticket payouts).
block = st.tuples(st.just("block"), st.lists(tx_plan, min_size=1, max_size=4))
step = st.one_of(
    block,
    block,
    block,
    st.tuples(st.just("burn"), st.just([])),
    st.tuples(st.just("slash"), st.just([])),
    st.tuples(st.just("wait"), st.just([])),
)
Op = tuple[str, int, int]
Plan = list[tuple[str, list[tuple[int, list[Op]]]]]


def fresh_chain() -> Chain:
    """Two nodes; every user holds sGOS, LP units and GOS."""
    chain = make_liquid_chain(node_count=2, funded=[u.address for u in USERS], gos_each=5_000 * GOS)
    for user in USERS:
        assert chain.run(user, MsgLiquidStake(1_000 * GOS), MsgLiquidAddLiquidity(200 * GOS)).code == 0
    return chain


HOLDERS = [u.address for u in USERS]


def burn_keeps_fractions(chain: Chain) -> None:
    """Apply a 10% burn and check that nothing held in shares or sGOS moved: every fraction is unchanged."""
    rate = get_exchange_rate(chain.state)
    sgos = {a: chain.balance(a, SGOS_DENOM) for a in HOLDERS}
    gos_shares = {a: get_shares(chain.state, a) for a in HOLDERS}
    supply_shares = get_gos_supply(chain.state).total_shares
    pool, totals = get_pool(chain.state), get_liquid_totals(chain.state)
    apply_reverse_split(chain.state, 1, 10)
    check_invariants(chain.state)
    assert get_exchange_rate(chain.state) == rate  # GOS shares per sGOS: the same
    assert {a: chain.balance(a, SGOS_DENOM) for a in HOLDERS} == sgos
    assert {a: get_shares(chain.state, a) for a in HOLDERS} == gos_shares
    assert get_gos_supply(chain.state).total_shares == supply_shares  # so each fraction of all GOS is unchanged
    assert (get_pool(chain.state), get_liquid_totals(chain.state)) == (pool, totals)


def build_msg(chain: Chain, sender: str, kind: str, fraction: int, other: int) -> Msg:
    """The message of an operation, its amount `fraction` ppm of what `sender` holds of the denom it spends."""

    def part(denom: str) -> int:
        return fraction if fraction >= 2**256 else chain.balance(sender, denom) * fraction // 10**6

    if kind == "stake":
        return MsgLiquidStake(part("ugos"))
    if kind == "unstake":
        return MsgLiquidUnstake(part(SGOS_DENOM))
    if kind == "claim":
        return MsgLiquidClaimTicket(fraction % 16)
    if kind == "instant":
        return MsgLiquidInstantUnstake(part(SGOS_DENOM), 0 if fraction % 3 else GOS)
    if kind == "add":
        return MsgLiquidAddLiquidity(part("ugos"))
    if kind == "remove":
        return MsgLiquidRemoveLiquidity(part(LP_DENOM))
    return MsgSendCoins(HOLDERS[other], SGOS_DENOM, part(SGOS_DENOM))


def play(chain: Chain, plan: Plan) -> None:
    for kind, txs in plan:
        if kind == "burn":
            burn_keeps_fractions(chain)
        elif kind == "slash":
            evidence = Misbehavior("duplicate_vote", consensus_address(consensus_key(2)), max(1, chain.height - 1))
            chain.block(misbehavior=[evidence])
        elif kind == "wait":
            chain.blocks(7)  # rewards, rebalances and ticket payouts
        else:
            signed = [
                chain.tx(USERS[user], *(build_msg(chain, USERS[user].address, *o) for o in ops)) for user, ops in txs
            ]
            chain.block(*signed)  # invariants after every block


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=100)
@given(plan=st.lists(step, min_size=1, max_size=20))
def test_random_liquid_operations_keep_every_invariant_and_burns_keep_fractions(plan: Plan) -> None:
    chain = fresh_chain()
    play(chain, plan)
    chain.blocks(60)  # every ticket comes due and is paid: the queue is bounded per block, never stuck
    totals = get_liquid_totals(chain.state)
    assert len(chain.state.liquid_tickets) == 0
    assert totals.closed_tickets == totals.next_ticket_id == totals.pay_cursor
