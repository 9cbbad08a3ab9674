"""Invariants of the dex module."""

from gostaking.chain.constants import DEX_ACCOUNT
from gostaking.chain.invariants import check
from gostaking.chain.modules.bank.tables import BALANCES
from gostaking.chain.modules.dex.tables import DEX_POOLS, LP_POSITIONS
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
