"""Invariants of the dex module."""

from gostaking.chain.constants import DEX_ACCOUNT
from gostaking.chain.invariants import check
from gostaking.chain.modules.bank.tables import BALANCES
from gostaking.chain.modules.dex.queries import get_oracle_market_price, get_pair_decimals
from gostaking.chain.modules.dex.tables import DEX_POOLS, LP_POSITIONS, POOL_PRICE_ACCUMULATORS, TOUCHED_POOLS
from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.state import State


def check_pools(state: State) -> None:
    """The exchange account holds exactly the pools' reserves, and providers' units add up to each pool's."""
    dex = DEX_ACCOUNT
    balances = state[BALANCES]
    pools = state[DEX_POOLS].items_sorted()
    check(
        balances.get_or((dex, GOS_DENOM), 0) == sum(pool.gos_shares for _, pool in pools),
        "exchange GOS differs from the pools' GOS reserves",
    )
    for denom, pool in pools:
        check(balances.get_or((dex, denom), 0) == pool.asset_units, f"exchange {denom} differs from its pool")
        lp_units = sum(u for (d, _), u in state[LP_POSITIONS].items_sorted() if d == denom)
        check(lp_units == pool.lp_units, f"{denom} pool: provider units {lp_units} != {pool.lp_units}")


def check_pool_price_accumulators(state: State) -> None:
    """Between blocks every change is observed: no pool is left marked as changed, and the price in force in each
    accumulator is its pool's oracle price now (none for a shallow or emptied pool)."""
    check(len(state[TOUCHED_POOLS]) == 0, "pools changed in a block were not observed at its end")
    for denom, accumulator in state[POOL_PRICE_ACCUMULATORS].items_sorted():
        price = get_oracle_market_price(state, denom, get_pair_decimals(state, denom)) or 0
        check(accumulator.price == price, f"{denom} pool: price in force {accumulator.price} != pool price {price}")
    for denom in state[DEX_POOLS].keys_sorted():
        if denom not in state[POOL_PRICE_ACCUMULATORS]:
            unobserved = get_oracle_market_price(state, denom, get_pair_decimals(state, denom))
            check(not unobserved, f"{denom} pool gives the oracle a price that was never observed")
