"""Invariants of the bank module."""

from gostaking.chain.invariants import check
from gostaking.chain.modules.bank.tables import ASSET_SUPPLY, BALANCES, GOS_SUPPLY
from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.state import State


def check_supplies(state: State) -> None:
    """GOS shares held add up to the share supply; every stored balance is positive; each external asset's
    balances add up to its supply."""
    supply = state[GOS_SUPPLY].get()
    balances = state[BALANCES]
    gos_shares = sum(units for (_, denom), units in balances.items_sorted() if denom == GOS_DENOM)
    check(gos_shares == supply.total_shares, f"GOS shares held {gos_shares} != supply {supply.total_shares}")
    check(all(units > 0 for units in balances.values()), "a stored balance is not positive")
    for denom, total in state[ASSET_SUPPLY].items_sorted():
        held = sum(units for (_, d), units in balances.items_sorted() if d == denom)
        check(held == total, f"{denom}: balances {held} != supply {total}")
