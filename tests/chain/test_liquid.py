"""Liquid staking (module `liquid`): sGOS at the rate, tickets, rewards, slashing, burns, the allocation rule, its
parameters and every refusal (typed errors that change nothing but the fee)."""

import msgspec
import pytest
from liquid_harness import (
    ALICE,
    BOB,
    LIQUID_TEST_PARAMS,
    freeze,
    make_liquid_chain,
    rate_of,
    to_next_rebalance,
)

from gostaking.chain.constants import COMMUNITY_POOL_ACCOUNT, LIQUID_ACCOUNT
from gostaking.chain.crypto import consensus_address
from gostaking.chain.env import Context
from gostaking.chain.errors import (
    AccountFrozenError,
    InsufficientFundsError,
    InvalidAmountError,
    InvalidGenesisError,
    InvalidMessageError,
    UnauthorizedError,
)
from gostaking.chain.genesis import Genesis, init_chain
from gostaking.chain.invariants import check_invariants
from gostaking.chain.modules.bank.mutations import apply_reverse_split, burn_shares
from gostaking.chain.modules.bank.queries import compute_shares_to_ugos, get_gos_index
from gostaking.chain.modules.liquid.errors import NoBackingError, TicketNotDueError, UnknownTicketError
from gostaking.chain.modules.liquid.params import validate_liquid_params
from gostaking.chain.modules.liquid.queries import (
    choose_stake_node,
    choose_unbond_node,
    compute_apr_ppm,
    compute_due_height,
    compute_sgos_value_ugos,
    compute_ticket_payout,
    compute_ugos_per_sgos,
    get_eligible_nodes,
    get_exchange_rate,
    get_holdings,
    get_liquid_params,
    get_liquid_totals,
    get_module_stakes,
    get_node_stakes,
    get_rate_history,
    get_ticket,
    get_tickets_page,
)
from gostaking.chain.modules.mining.queries import get_pending_reward_shares
from gostaking.chain.modules.staking.lifecycle import process_validator_faults
from gostaking.chain.params import compute_changed_params, store_params
from gostaking.chain.state import State
from gostaking.chain.types.block import BlockEnv, Misbehavior
from gostaking.chain.types.gov import ParamChange
from gostaking.chain.types.liquid import (
    LOCKED_MINIMUM,
    SGOS_DENOM,
    LiquidGenesis,
    LiquidParams,
    MsgLiquidClaimTicket,
    MsgLiquidStake,
    MsgLiquidUnstake,
)
from gostaking.chain.types.tx import MsgSendCoins

from harness import CHAIN_ID, GOS, consensus_key, expect_msg_failure, expect_rejected, key

UNBONDING = 15  # TEST_PARAMS.staking.stake_unbonding_blocks


def test_the_first_stake_mints_one_to_one_and_locks_the_minimum_for_ever() -> None:
    chain = make_liquid_chain()
    before = chain.gos(ALICE.address)
    result = chain.run(ALICE, MsgLiquidStake(1_000 * GOS))
    assert result.code == 0, result.log
    assert chain.balance(ALICE.address, SGOS_DENOM) == 1_000 * GOS - LOCKED_MINIMUM
    assert chain.balance(LIQUID_ACCOUNT, SGOS_DENOM) == LOCKED_MINIMUM
    assert chain.gos(ALICE.address) == before - 1_000 * GOS - 1_000  # the amount and the fee
    # Staked at once on the only eligible node (the genesis mining node).
    assert get_module_stakes(chain.state) == [(key(1000).address, 1_000 * GOS)]


def test_the_first_stake_below_the_minimum_and_stakes_worth_nothing_are_refused() -> None:
    chain = make_liquid_chain()
    expect_msg_failure(chain, ALICE, MsgLiquidStake(GOS - 1), error=InvalidAmountError)
    expect_rejected(chain, chain.tx(ALICE, MsgLiquidStake(0)), InvalidAmountError)
    expect_rejected(chain, chain.tx(ALICE, MsgLiquidStake(2**256)), InvalidAmountError)
    expect_msg_failure(chain, ALICE, MsgLiquidStake(10**9 * GOS), error=InsufficientFundsError)
    assert chain.run(ALICE, MsgLiquidStake(GOS)).code == 0
    chain.blocks(3)  # rewards raise the rate far above 1 ugos per usgos
    expect_msg_failure(chain, BOB, MsgLiquidStake(1), error=InvalidAmountError)


def test_later_stakes_get_sgos_at_the_rate_rounded_down() -> None:
    chain = make_liquid_chain()
    assert chain.run(ALICE, MsgLiquidStake(1_000 * GOS)).code == 0
    to_next_rebalance(chain)
    chain.block()
    gos_shares, supply = rate_of(chain)
    assert gos_shares > supply  # rewards since the first stake
    result = chain.run(BOB, MsgLiquidStake(500 * GOS))
    assert result.code == 0, result.log
    minted = int(dict(result.events[0].attributes)["sgos"])
    # The rate of the block's start, before the stake: the same as after the previous block's end.
    assert minted == 500 * GOS * supply // gos_shares
    assert chain.balance(BOB.address, SGOS_DENOM) == minted


def test_rewards_are_claimed_each_rebalance_with_the_protocol_fee_and_raise_the_rate() -> None:
    chain = make_liquid_chain()
    assert chain.run(ALICE, MsgLiquidStake(1_000 * GOS)).code == 0
    community = chain.gos(COMMUNITY_POOL_ACCOUNT)
    interval = LIQUID_TEST_PARAMS.rebalance_interval_blocks
    while (chain.height + 1) % interval:
        chain.block()
    before = rate_of(chain)
    result = chain.block()
    event = next(e for e in result.events if e.kind == "liquid_rebalance")
    rewards, fee = (int(dict(event.attributes)[f]) for f in ("rewards", "protocol_fee"))
    assert rewards > 0 and fee == rewards * 50_000 // 1_000_000
    assert chain.gos(COMMUNITY_POOL_ACCOUNT) >= community + fee
    after = rate_of(chain)
    assert after[1] == before[1] and after[0] > before[0]
    assert get_holdings(chain.state).pending_reward_shares == 0
    history = get_rate_history(chain.state)
    assert history[-1].height == chain.height and history[-1].gos_shares == after[0]


def test_a_ticket_pays_its_value_at_request_after_the_unbonding_and_exactly_once() -> None:
    chain = make_liquid_chain()
    assert chain.run(ALICE, MsgLiquidStake(1_000 * GOS)).code == 0
    to_next_rebalance(chain)
    gos_shares, supply = rate_of(chain)
    result = chain.run(ALICE, MsgLiquidUnstake(100 * GOS))
    assert result.code == 0, result.log
    requested_at = chain.height
    ticket = get_ticket(chain.state, 0)
    assert ticket is not None and ticket.owner == ALICE.address
    assert ticket.cap_shares == 100 * GOS * gos_shares // supply
    assert ticket.due_height == compute_due_height(chain.state, requested_at) == requested_at + 4 + UNBONDING
    assert get_tickets_page(chain.state, ALICE.address, 0, 10) == (1, [(0, ticket)])
    # Its sGOS stay in the supply (sharing gains and losses) but are locked in the module.
    assert chain.balance(ALICE.address, SGOS_DENOM) == 900 * GOS - LOCKED_MINIMUM
    before = chain.gos(ALICE.address)
    paid_at = None
    while paid_at is None:
        events = chain.block().events
        if any(e.kind == "liquid_ticket_paid" for e in events):
            paid_at = chain.height
    assert paid_at == ticket.due_height
    # Rewards kept raising the rate: the ticket still pays its value at request (Lido), the rest stays.
    assert chain.gos(ALICE.address) == before + compute_shares_to_ugos(ticket.cap_shares, get_gos_index(chain.state))
    assert get_ticket(chain.state, 0) is None
    totals = get_liquid_totals(chain.state)
    assert (totals.closed_tickets, totals.next_ticket_id, totals.pay_cursor, totals.ticket_sgos) == (1, 1, 1, 0)
    paid = chain.gos(ALICE.address)
    chain.blocks(10)
    assert chain.gos(ALICE.address) == paid


def test_tickets_are_paid_in_order_a_bounded_number_per_block() -> None:
    chain = make_liquid_chain()
    assert chain.run(ALICE, MsgLiquidStake(1_000 * GOS)).code == 0
    to_next_rebalance(chain)
    assert chain.block(*[chain.tx(ALICE, MsgLiquidUnstake(GOS)) for _ in range(8)]).tx_results[0].code == 0
    due = get_ticket(chain.state, 0)
    assert due is not None
    while chain.height < due.due_height - 1:
        chain.block()
    paid = []
    for _ in range(3):
        paid.append(sum(e.kind == "liquid_ticket_paid" for e in chain.block().events))
    assert paid == [3, 3, 2]  # max_ticket_payouts_per_block = 3
    assert get_liquid_totals(chain.state).closed_tickets == 8


def test_claiming_a_ticket_refuses_unknown_foreign_and_early_ones() -> None:
    chain = make_liquid_chain()
    assert chain.run(ALICE, MsgLiquidStake(1_000 * GOS)).code == 0
    assert chain.run(ALICE, MsgLiquidUnstake(10 * GOS)).code == 0
    expect_msg_failure(chain, ALICE, MsgLiquidClaimTicket(7), error=UnknownTicketError)
    expect_msg_failure(chain, BOB, MsgLiquidClaimTicket(0), error=UnauthorizedError)
    expect_msg_failure(chain, ALICE, MsgLiquidClaimTicket(0), error=TicketNotDueError)
    expect_rejected(chain, chain.tx(ALICE, MsgLiquidClaimTicket(-1)), InvalidMessageError)


def test_a_claim_pays_a_due_ticket_ahead_of_the_queue_and_the_queue_skips_it() -> None:
    params = msgspec.structs.replace(LIQUID_TEST_PARAMS, max_ticket_payouts_per_block=1)
    chain = make_liquid_chain(params)
    assert chain.run(ALICE, MsgLiquidStake(1_000 * GOS)).code == 0
    to_next_rebalance(chain)
    chain.block(chain.tx(ALICE, MsgLiquidUnstake(GOS)), chain.tx(BOB, MsgSendCoins(ALICE.address, "ugos", 1)))
    chain.block(chain.tx(ALICE, MsgLiquidUnstake(GOS)))
    second = get_ticket(chain.state, 1)
    assert second is not None
    while chain.height < second.due_height - 1:
        chain.block()
    result = chain.block(chain.tx(ALICE, MsgLiquidClaimTicket(1)))  # the queue pays 0 at its start, Alice 1
    assert result.tx_results[0].code == 0, result.tx_results[0].log
    assert [e.kind for e in result.events].count("liquid_ticket_paid") == 1
    expect_msg_failure(chain, ALICE, MsgLiquidClaimTicket(1), error=UnknownTicketError)  # paid once only
    chain.blocks(2)
    assert get_liquid_totals(chain.state).closed_tickets == 2


def test_unstaking_refuses_zero_more_than_held_and_dust_worth_nothing() -> None:
    chain = make_liquid_chain()
    expect_rejected(chain, chain.tx(ALICE, MsgLiquidUnstake(0)), InvalidAmountError)
    expect_msg_failure(chain, ALICE, MsgLiquidUnstake(1), error=InsufficientFundsError)
    assert chain.run(ALICE, MsgLiquidStake(1_000 * GOS)).code == 0
    expect_msg_failure(chain, ALICE, MsgLiquidUnstake(1_000 * GOS), error=InsufficientFundsError)


def test_a_frozen_account_cannot_stake_or_unstake_but_its_ticket_is_still_paid() -> None:
    chain = make_liquid_chain()
    assert chain.run(ALICE, MsgLiquidStake(1_000 * GOS)).code == 0
    assert chain.run(ALICE, MsgLiquidUnstake(10 * GOS)).code == 0
    freeze(chain, ALICE.address)
    expect_rejected(chain, chain.tx(ALICE, MsgLiquidStake(GOS)), AccountFrozenError)
    expect_rejected(chain, chain.tx(ALICE, MsgLiquidUnstake(GOS)), AccountFrozenError)
    before = chain.gos(ALICE.address)
    chain.blocks(UNBONDING + 6)
    assert get_ticket(chain.state, 0) is None and chain.gos(ALICE.address) > before  # it can still receive


def test_a_slash_lowers_the_rate_for_holders_and_waiting_tickets_at_once() -> None:
    chain = make_liquid_chain(node_count=2)
    assert chain.run(ALICE, MsgLiquidStake(1_000 * GOS)).code == 0
    assert chain.run(BOB, MsgLiquidStake(1_000 * GOS)).code == 0  # goes to the other, least staked node
    assert {node for node, _ in get_module_stakes(chain.state)} == {key(1000).address, key(1001).address}
    to_next_rebalance(chain)
    assert chain.run(BOB, MsgLiquidUnstake(chain.balance(BOB.address, SGOS_DENOM) // 2)).code == 0
    ticket = get_ticket(chain.state, 0)
    assert ticket is not None
    before = get_holdings(chain.state)
    gross_pending = get_pending_reward_shares(chain.state, LIQUID_ACCOUNT)
    staked_on_node = dict(get_module_stakes(chain.state))[key(1001).address]
    # The begin-block step that punishes double signs, on the state between two blocks: no reward mixes in.
    evidence = Misbehavior("duplicate_vote", consensus_address(consensus_key(2)), chain.height)
    env = BlockEnv(CHAIN_ID, chain.height + 1, chain.time_ms + 30_000, "", (), (), (evidence,))
    process_validator_faults(chain.state, Context(env))
    after = get_holdings(chain.state)
    cut = -(-staked_on_node * 50_000 // 1_000_000)  # double_sign_slash_ppm, rounded up
    # Slashing settles the module's position: those rewards arrive whole (no protocol fee on them).
    fee_forgone = gross_pending - before.pending_reward_shares
    assert before.controlled_shares - after.controlled_shares == cut - fee_forgone
    assert after.sgos_supply == before.sgos_supply  # nobody's sGOS changed: each is worth less, at once
    # The waiting ticket's sGOS are part of the supply: its value falls with everyone's (it bears its share).
    value_before = ticket.sgos * before.controlled_shares // before.sgos_supply
    value_after = ticket.sgos * after.controlled_shares // after.sgos_supply
    assert value_after < value_before
    assert compute_ticket_payout(ticket, get_exchange_rate(chain.state)) == min(ticket.cap_shares, value_after)
    check_invariants(chain.state)
    # The slashed (tombstoned) node leaves the eligible set; the next rebalance drains it.
    assert key(1001).address not in get_eligible_nodes(chain.state)
    chain.state.take_block_writes()
    to_next_rebalance(chain)
    assert key(1001).address not in dict(get_module_stakes(chain.state))


def test_a_burn_leaves_every_holders_fraction_and_the_sgos_rate_in_shares_unchanged() -> None:
    chain = make_liquid_chain()
    assert chain.run(ALICE, MsgLiquidStake(1_000 * GOS)).code == 0
    assert chain.run(BOB, MsgLiquidStake(3_000 * GOS)).code == 0
    assert chain.run(BOB, MsgLiquidUnstake(GOS)).code == 0
    rate_before = rate_of(chain)
    ticket_before = get_ticket(chain.state, 0)
    sgos = {a: chain.balance(a, SGOS_DENOM) for a in (ALICE.address, BOB.address)}
    values = {a: compute_sgos_value_ugos(chain.state, s) for a, s in sgos.items()}
    total_gos = get_holdings(chain.state).ugos(rate_before[0])
    burned = apply_reverse_split(chain.state, 1, 10)  # emission's burn: 10% of all GOS, O(1)
    assert burned > 0
    check_invariants(chain.state)
    # sGOS balances, the supply and the GOS shares behind them are untouched: the rate in shares is the same.
    assert rate_of(chain) == rate_before
    assert get_ticket(chain.state, 0) == ticket_before  # its cap is in shares: it shrinks like every holding
    assert {a: chain.balance(a, SGOS_DENOM) for a in sgos} == sgos
    # Each holder's GOS value fell by the burn's 10% (up to rounding), like every GOS holding.
    for address, value in values.items():
        assert abs(compute_sgos_value_ugos(chain.state, sgos[address]) - value * 9 // 10) <= 2
    assert abs(get_holdings(chain.state).ugos(rate_before[0]) - total_gos * 9 // 10) <= 1


def test_stake_is_spread_equally_over_the_eligible_nodes_most_under_target_first() -> None:
    chain = make_liquid_chain(node_count=3)
    nodes = [key(1000 + i).address for i in range(3)]
    assert get_eligible_nodes(chain.state) == nodes
    result = chain.run(ALICE, MsgLiquidStake(300 * GOS))
    assert dict(get_module_stakes(chain.state)) == dict.fromkeys(nodes, 100 * GOS)  # each filled to 300 / 3
    assert [e.kind for e in result.events].count("liquid_delegation") == 3
    to_next_rebalance(chain)  # rewards restaked: again the least-staked nodes first, up to the equal target
    rows = get_node_stakes(chain.state)
    assert [r.node for r in rows] == nodes and all(r.eligible for r in rows)
    amounts = [r.stake_ugos for r in rows]
    assert max(amounts) - min(amounts) <= 1 and rows[0].target_ugos >= max(amounts) - 1


def test_the_per_node_cap_leaves_gos_unstaked_when_too_few_nodes_are_eligible() -> None:
    params = msgspec.structs.replace(LIQUID_TEST_PARAMS, max_node_share_ppm=250_000)
    chain = make_liquid_chain(params)
    assert chain.run(ALICE, MsgLiquidStake(1_000 * GOS)).code == 0
    held = get_holdings(chain.state)
    assert held.staked_shares == 250 * GOS and held.liquid_shares == 750 * GOS


def test_choosing_nodes_follows_the_published_rule() -> None:
    eligible = ["a", "b", "c"]
    assert choose_stake_node(eligible, {"a": 5, "b": 3, "c": 3}, 10) == ("b", 7)  # least staked, earlier first
    assert choose_stake_node(eligible, {"a": 10, "b": 10, "c": 10}, 10) is None
    assert choose_unbond_node(eligible, {"a": 5, "b": 9, "x": 1}) == "x"  # outside the eligible set first
    assert choose_unbond_node(eligible, {"a": 5, "b": 9, "c": 9}) == "b"  # most over the equal target
    assert choose_unbond_node(eligible, {}) is None


def test_with_no_eligible_node_the_gos_waits_unstaked_and_is_still_backing() -> None:
    chain = make_liquid_chain()
    chain.state.mining_set.set(msgspec.structs.replace(chain.state.mining_set.get(), operators=()))
    assert get_eligible_nodes(chain.state) == []
    assert chain.run(ALICE, MsgLiquidStake(1_000 * GOS)).code == 0
    assert get_holdings(chain.state).liquid_shares == 1_000 * GOS and get_module_stakes(chain.state) == []


def test_the_parameters_come_from_genesis_and_are_validated() -> None:
    chain = make_liquid_chain()
    assert get_liquid_params(chain.state) == LIQUID_TEST_PARAMS
    bad = msgspec.json.encode(LiquidGenesis(LiquidParams(min_fee_ppm=40_000, max_fee_ppm=30_000)))
    with pytest.raises(InvalidGenesisError, match="instant fees"):
        init_chain(State(), Genesis(CHAIN_ID, 0, modules={"liquid": msgspec.Raw(bad)}))
    for wrong in (
        LiquidParams(rebalance_interval_blocks=0),
        LiquidParams(protocol_fee_ppm=1_000_001),
        LiquidParams(max_node_share_ppm=0),
        LiquidParams(min_first_stake_ugos=LOCKED_MINIMUM),
        LiquidParams(max_fee_ppm=100_001),
        LiquidParams(treasury_cut_ppm=750_001),
        LiquidParams(target_liquidity_ugos=0),
    ):
        with pytest.raises(InvalidGenesisError):
            validate_liquid_params(wrong)
    validate_liquid_params(LiquidParams())


def test_governance_changes_the_liquid_section_like_any_other() -> None:
    chain = make_liquid_chain()
    changed = compute_changed_params(chain.state, [ParamChange("liquid", "protocol_fee_ppm", 100_000)])
    store_params(chain.state, changed)
    assert get_liquid_params(chain.state).protocol_fee_ppm == 100_000
    with pytest.raises(InvalidMessageError, match="invalid"):
        compute_changed_params(chain.state, [ParamChange("liquid", "max_fee_ppm", 200_000)])
    with pytest.raises(InvalidMessageError, match="fixed"):
        compute_changed_params(chain.state, [ParamChange("liquid", "rate_history_points", 10)])


def test_the_rate_history_keeps_the_last_points_oldest_first() -> None:
    params = msgspec.structs.replace(LIQUID_TEST_PARAMS, rate_history_points=3)
    chain = make_liquid_chain(params)
    assert chain.run(ALICE, MsgLiquidStake(1_000 * GOS)).code == 0
    for _ in range(5):
        to_next_rebalance(chain)
    history = get_rate_history(chain.state)
    assert [p.height for p in history] == [chain.height - 10, chain.height - 5, chain.height]
    assert compute_ugos_per_sgos(chain.state) > GOS  # rewards: one sGOS is worth more than one GOS


def test_alice_the_documented_example() -> None:
    chain = make_liquid_chain()
    assert chain.run(ALICE, MsgLiquidStake(1_000 * GOS)).code == 0
    assert chain.balance(ALICE.address, SGOS_DENOM) == 999_999_000  # 999.999 sGOS; 0.001 locked for ever
    result = None
    while result is None or not any(e.kind == "liquid_rebalance" for e in result.events):
        result = chain.block()
    event = dict(next(e for e in result.events if e.kind == "liquid_rebalance").attributes)
    rewards, fee = int(event["rewards"]), int(event["protocol_fee"])
    # Right after the rebalance: 1,000 GOS + R − 5% of R back 1,000 sGOS (index 1: shares are ugos).
    assert fee == rewards * 5 // 100
    assert rate_of(chain) == (1_000 * GOS + rewards - fee, 1_000 * GOS)
    gos_shares, supply = rate_of(chain)
    assert chain.run(ALICE, MsgLiquidUnstake(100 * GOS)).code == 0
    ticket = get_ticket(chain.state, 0)
    assert ticket is not None
    assert ticket.cap_shares == 100 * GOS * gos_shares // supply  # the rate of the block the request runs in
    assert chain.balance(ALICE.address, SGOS_DENOM) == 899_999_000


def test_sgos_without_any_backing_cannot_be_staked_into() -> None:
    chain = make_liquid_chain()
    chain.state.mining_set.set(msgspec.structs.replace(chain.state.mining_set.get(), operators=()))
    assert chain.run(ALICE, MsgLiquidStake(GOS)).code == 0  # no eligible node: the GOS stays liquid
    burn_shares(chain.state, LIQUID_ACCOUNT, get_holdings(chain.state).liquid_shares)  # a total loss, by hand
    check_invariants(chain.state)
    expect_msg_failure(chain, BOB, MsgLiquidStake(GOS), error=NoBackingError)


def test_the_apr_is_the_yearly_growth_of_gos_per_sgos_over_the_window() -> None:
    chain = make_liquid_chain()
    assert compute_apr_ppm(chain.state, 100) is None  # no sGOS, no points yet
    assert chain.run(ALICE, MsgLiquidStake(1_000 * GOS)).code == 0
    to_next_rebalance(chain)
    then = get_rate_history(chain.state)[-1]
    chain.blocks(7)
    gos_shares, supply = rate_of(chain)
    growth = (gos_shares * then.sgos_supply - then.gos_shares * supply) / (then.gos_shares * supply)
    expected = growth * 365 * 2_880 / (chain.height - then.height) * 1_000_000
    apr = compute_apr_ppm(chain.state, 8)
    assert apr is not None and apr > 0 and abs(apr - expected) <= 1 + expected * 1e-12
    assert compute_apr_ppm(chain.state, 1) is None  # no rate point within the last block
