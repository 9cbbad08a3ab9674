"""Whole-state invariants. O(state): run by tests after every block and by the node on demand, never per tx."""

from gostaking.chain.constants import (
    MODULE_ADDRESSES,
    MODULE_BONDED,
    MODULE_CANDIDATE_REWARDS,
    MODULE_CUSTODY_ESCROW,
    MODULE_DEX,
    MODULE_GOV,
    MODULE_LOCKED,
    MODULE_REWARDS,
    MODULE_UNBONDING,
)
from gostaking.chain.modules.emission.queries import compute_emitted_until
from gostaking.chain.modules.mining.queries import compute_pending_shares
from gostaking.chain.numeric import ACC_ONE, GOS_DENOM
from gostaking.chain.state import State
from gostaking.chain.types.mining import LOCK_POOL_PREFIX, POOL_STAKE, POOL_VOTE


class InvariantError(Exception):
    """The state broke a rule that no sequence of valid operations may break."""


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise InvariantError(message)


def check_invariants(state: State) -> None:
    """Raise InvariantError describing the first broken invariant."""
    supply = state.gos_supply.get()
    balances = state.balances
    gos_shares = sum(units for (_, denom), units in balances.items_sorted() if denom == GOS_DENOM)
    _check(gos_shares == supply.total_shares, f"GOS shares held {gos_shares} != supply {supply.total_shares}")
    _check(
        supply.minted_ugos == compute_emitted_until(state.params.get().emission, state.height.get()),
        "minted GOS differs from the emission schedule",
    )
    _check(all(units > 0 for units in balances.values()), "a stored balance is not positive")

    for denom, total in state.asset_supply.items_sorted():
        held = sum(units for (_, d), units in balances.items_sorted() if d == denom)
        _check(held == total, f"{denom}: balances {held} != supply {total}")

    escrow = MODULE_ADDRESSES[MODULE_CUSTODY_ESCROW]
    open_withdrawals = [w for w in state.withdrawals.values() if w.status in ("pending", "held")]
    gos_escrowed = sum(w.escrow_shares for w in open_withdrawals if w.denom == GOS_DENOM)
    _check(
        balances.get_or((escrow, GOS_DENOM), 0) == gos_escrowed,
        f"GOS in custody escrow differs from open GOS withdrawals {gos_escrowed}",
    )
    for denom in state.assets.keys_sorted():
        owed = sum(w.amount for w in state.withdrawals.values() if w.denom == denom and w.status in ("pending", "held"))
        held_in_escrow = balances.get_or((escrow, denom), 0)
        _check(held_in_escrow == owed, f"{denom}: escrow {held_in_escrow} != open withdrawals {owed}")

    gov_held = balances.get_or((MODULE_ADDRESSES[MODULE_GOV], GOS_DENOM), 0)
    deposits = sum(p.deposit_shares for p in state.proposals.values() if p.status == "voting")
    escrows = sum(v.escrow_shares for v in state.proposal_votes.values())
    _check(gov_held == deposits + escrows, f"gov module {gov_held} != deposits {deposits} + vote escrows {escrows}")

    dex = MODULE_ADDRESSES[MODULE_DEX]
    dex_pools = state.dex_pools.items_sorted()
    _check(
        balances.get_or((dex, GOS_DENOM), 0) == sum(dex_pool.gos_shares for _, dex_pool in dex_pools),
        "exchange GOS differs from the pools' GOS reserves",
    )
    for denom, dex_pool in dex_pools:
        _check(balances.get_or((dex, denom), 0) == dex_pool.asset_units, f"exchange {denom} differs from its pool")
        lp_units = sum(u for (d, _), u in state.lp_positions.items_sorted() if d == denom)
        _check(lp_units == dex_pool.lp_units, f"{denom} pool: provider units {lp_units} != {dex_pool.lp_units}")

    bonded = balances.get_or((MODULE_ADDRESSES[MODULE_BONDED], GOS_DENOM), 0)
    delegated = sum(state.delegations.values())
    _check(bonded == delegated, f"bonded module {bonded} != delegations {delegated}")
    unbonding = balances.get_or((MODULE_ADDRESSES[MODULE_UNBONDING], GOS_DENOM), 0)
    queued = sum(entry.shares for entry in state.unbondings.values())
    _check(unbonding == queued, f"unbonding module {unbonding} != queue {queued}")

    node_votes = sum(node.vote_shares for node in state.nodes.values())
    node_stakes = sum(node.stake_shares for node in state.nodes.values())
    votes = sum(s for (_, _, kind), s in state.delegations.items_sorted() if kind == "vote")
    _check(node_votes == votes and node_stakes == delegated - votes, "node tallies differ from delegations")

    for pool_id, pool in state.pools.items_sorted():
        units = sum(p.units for (_, pid), p in state.positions.items_sorted() if pid == pool_id)
        _check(units == pool.units, f"pool {pool_id}: positions {units} != pool {pool.units}")
        if pool_id.startswith(LOCK_POOL_PREFIX):
            denom = pool_id[len(LOCK_POOL_PREFIX) :]
            locked = balances.get_or((MODULE_ADDRESSES[MODULE_LOCKED], denom), 0)
            _check(locked == pool.units, f"{denom}: locked module {locked} != pool {pool.units}")
    for pool_id, bonded_kind in ((POOL_VOTE, votes), (POOL_STAKE, delegated - votes)):
        bond_pool = state.pools.get(pool_id)
        _check(bond_pool is None or bond_pool.units == bonded_kind, f"pool {pool_id} differs from its delegations")

    pending = 0
    for (_, pool_id), position in state.positions.items_sorted():
        position_pool = state.pools.get(pool_id)
        _check(position_pool is not None, f"a position refers to missing pool {pool_id}")
        if position_pool is not None:
            pending += compute_pending_shares(position_pool, position)
    rewards_held = balances.get_or((MODULE_ADDRESSES[MODULE_REWARDS], GOS_DENOM), 0)
    _check(rewards_held >= pending, f"rewards module {rewards_held} < pending user rewards {pending}")
    cpool = state.candidate_pool.get()
    candidate_pending = sum(
        n.candidate_units * (cpool.acc_reward_per_unit - n.candidate_acc_settled) // ACC_ONE
        for n in state.nodes.values()
    )
    candidate_held = balances.get_or((MODULE_ADDRESSES[MODULE_CANDIDATE_REWARDS], GOS_DENOM), 0)
    _check(candidate_held >= candidate_pending, "candidate rewards module holds less than it owes")
    _check(
        cpool.total_units == sum(n.candidate_units for n in state.nodes.values()),
        "candidate pool units differ from node weights",
    )
