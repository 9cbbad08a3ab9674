"""Compliance reads: KYC levels, freezes and council membership."""

from gostaking.chain.errors import AccountFrozenError, KycRequiredError, UnauthorizedError, fail, require
from gostaking.chain.modules.compliance.tables import (
    COMPLIANCE_ACTION_COUNT,
    COMPLIANCE_ACTIONS,
    COUNCIL_APPROVALS,
    FROZEN,
    KYC,
    KYC_PROVIDERS,
)
from gostaking.chain.state import State
from gostaking.chain.types.compliance import (
    ActionStatus,
    ComplianceActionRecord,
    CouncilApproval,
    FreezeRecord,
    KycAttestation,
    KycProvider,
)


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
    if record is not None:  # not `require`: the message is formatted only when raised (every tx comes here)
        fail(AccountFrozenError, f"{address} is frozen (case {record.case_id}): it cannot move funds")


def get_kyc_attestation(state: State, address: str) -> KycAttestation | None:
    """The stored attestation of an address (expired or from a removed provider included), or None."""
    return state[KYC].get(address)


def get_kyc_provider(state: State, address: str) -> KycProvider | None:
    """An admitted KYC provider, or None."""
    return state[KYC_PROVIDERS].get(address)


def get_kyc_providers(state: State) -> list[tuple[str, KycProvider]]:
    """Every admitted KYC provider by address (governance admits them one by one: a short table)."""
    return state[KYC_PROVIDERS].items_sorted()


def get_compliance_action(state: State, action_id: int) -> ComplianceActionRecord | None:
    """A council action by id, or None."""
    return state[COMPLIANCE_ACTIONS].get(action_id)


def get_compliance_actions_page(
    state: State, status: ActionStatus | None, address: str | None, offset: int, limit: int
) -> tuple[int, list[tuple[int, ComplianceActionRecord]]]:
    """(matching actions, a page of (id, record)), newest first, optionally of one status and/or account."""
    filters = {"address": address, "status": status}
    total, ids = state[COMPLIANCE_ACTIONS].page_numbered(
        state[COMPLIANCE_ACTION_COUNT].get(), filters, offset, limit, newest_first=True
    )
    return total, state[COMPLIANCE_ACTIONS].rows(ids)


def get_council_approval(state: State, subject: str) -> CouncilApproval | None:
    """The approvals gathered so far for one decision (None: none pending)."""
    return state[COUNCIL_APPROVALS].get(subject)


def get_kyc_providers_page(state: State, offset: int, limit: int) -> tuple[int, list[tuple[str, KycProvider]]]:
    """(admitted providers, a page of (address, provider)) by address. Sorts the addresses of this short table,
    then reads only the page's rows."""
    addresses = state[KYC_PROVIDERS].keys_sorted()
    return len(addresses), state[KYC_PROVIDERS].rows(addresses[offset : offset + limit])


def get_frozen_accounts_page(state: State, offset: int, limit: int) -> tuple[int, list[tuple[str, FreezeRecord]]]:
    """(frozen accounts, a page of (address, record)) by address. Sorts the addresses of this short table, then
    reads only the page's rows."""
    addresses = state[FROZEN].keys_sorted()
    return len(addresses), state[FROZEN].rows(addresses[offset : offset + limit])


def get_council_approvals_page(state: State, offset: int, limit: int) -> tuple[int, list[tuple[str, CouncilApproval]]]:
    """(pending council decisions, a page of (subject, approvals)) by subject. Sorts the subjects of this short
    table, then reads only the page's rows."""
    subjects = state[COUNCIL_APPROVALS].keys_sorted()
    return len(subjects), state[COUNCIL_APPROVALS].rows(subjects[offset : offset + limit])
