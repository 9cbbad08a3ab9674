"""Invariants of the gov module."""

from gostaking.chain.constants import GOV_ACCOUNT
from gostaking.chain.invariants import check
from gostaking.chain.modules.bank.queries import get_shares
from gostaking.chain.modules.gov.tables import PROPOSAL_VOTES, PROPOSALS
from gostaking.chain.state import State


def check_gov_escrow(state: State) -> None:
    """The gov account holds exactly the deposits of open proposals and the GOS voters escrowed."""
    held = get_shares(state, GOV_ACCOUNT)
    deposits = sum(p.deposit_shares for p in state[PROPOSALS].values() if p.status == "voting")
    escrows = sum(v.escrow_shares for v in state[PROPOSAL_VOTES].values())
    check(held == deposits + escrows, f"gov module {held} != deposits {deposits} + vote escrows {escrows}")
