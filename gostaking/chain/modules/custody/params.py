"""Parameters of the custody module (fixed at genesis: custodians change with their own keys)."""

from gostaking.chain.params import validate_member_set
from gostaking.chain.types.params import CustodyParams


def validate_custody_params(params: CustodyParams) -> None:
    """The custodians are an m-of-n set of distinct accounts."""
    validate_member_set(
        params.custodians,
        params.threshold,
        members_rule="custodians must be distinct gos1… addresses",
        threshold_rule="custody threshold must be within 1..number of custodians (0 without custodians)",
    )
