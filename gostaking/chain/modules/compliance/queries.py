"""Compliance reads: KYC levels, freezes and council membership."""

from gostaking.chain.errors import AccountFrozenError, KycRequiredError, UnauthorizedError, require
from gostaking.chain.modules.compliance.tables import FROZEN, KYC, KYC_PROVIDERS
from gostaking.chain.state import State


def get_kyc_level(state: State, address: str, height: int) -> int:
    """The address's KYC level at `height`: 0 without a current attestation from an admitted provider."""
    attestation = state[KYC].get(address)
    if attestation is None or height >= attestation.expires_height or attestation.provider not in state[KYC_PROVIDERS]:
        return 0
    return attestation.level


def require_kyc_level(state: State, address: str, height: int, level: int, service: str) -> None:
    """Raise KycRequiredError naming the service and the levels unless the address has at least `level`."""
    if level <= 0:
        return
    have = get_kyc_level(state, address, height)
    require(
        have >= level,
        KycRequiredError,
        f"{service} requires KYC level {level}; {address} has level {have} (none, expired or from a removed provider)",
    )


def require_council_member(state: State, address: str) -> None:
    """Raise UnauthorizedError unless the address is on the compliance council."""
    require(
        address in state.params.get().compliance.council,
        UnauthorizedError,
        f"{address} is not on the compliance council",
    )


def require_not_frozen(state: State, address: str) -> None:
    """Raise AccountFrozenError (with the case) for a frozen account."""
    record = state[FROZEN].get(address)
    require(
        record is None,
        AccountFrozenError,
        f"{address} is frozen (case {record.case_id if record else ''}): it cannot move funds",
    )
