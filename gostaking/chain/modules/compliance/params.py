"""Parameters of the compliance module."""

from gostaking.chain.errors import InvalidGenesisError, require
from gostaking.chain.params import validate_member_set
from gostaking.chain.types.params import ComplianceParams


def validate_compliance_params(params: ComplianceParams) -> None:
    """KYC levels are not negative and the council is an m-of-n set of distinct accounts."""
    require(
        min(params.lock_min_kyc_level, params.withdraw_min_kyc_level, params.trade_min_kyc_level) >= 0,
        InvalidGenesisError,
        "KYC levels must not be negative",
    )
    validate_member_set(
        params.council,
        params.council_threshold,
        members_rule="compliance council members must be distinct gos1… addresses",
        threshold_rule="council threshold must be within 1..council size (0 without a council)",
    )
