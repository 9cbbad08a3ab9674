"""Invariants of the emission module."""

from gostaking.chain.invariants import check
from gostaking.chain.modules.bank.tables import GOS_SUPPLY
from gostaking.chain.modules.emission.queries import compute_emitted_until
from gostaking.chain.state import State


def check_emission(state: State) -> None:
    """Exactly the schedule's GOS has been minted up to this height."""
    check(
        state[GOS_SUPPLY].get().minted_ugos == compute_emitted_until(state.params.get().emission, state.height.get()),
        "minted GOS differs from the emission schedule",
    )
