"""Custody reads."""

import msgspec

from gostaking.chain.crypto import sha256
from gostaking.chain.modules.custody.tables import DEPOSITS, SANCTIONED, WITHDRAWAL_COUNT, WITHDRAWALS
from gostaking.chain.modules.lock.queries import require_asset
from gostaking.chain.numeric import GOS_DENOM
from gostaking.chain.state import State
from gostaking.chain.types.custody import Deposit, DepositStatus, SanctionEntry, Withdrawal, WithdrawalStatus
from gostaking.chain.types.tx import SanctionUpdate

MAX_EXTERNAL_ID_LENGTH = 128
MAX_EXTERNAL_ADDRESS_LENGTH = 128


def is_custodian(state: State, address: str) -> bool:
    """True for members of the custodian set."""
    return address in state.params.get().custody.custodians


def get_hosted_chain(state: State, denom: str) -> str:
    """Where a denom lives outside GoStaking: the GOS ERC-20's chain for ugos, the asset's chain otherwise
    (UnknownAssetError for a denom that is not listed)."""
    if denom == GOS_DENOM:
        return state.params.get().custody.gos_token_chain
    return require_asset(state, denom).hosted_chain


def is_sanctioned(state: State, hosted_chain: str, external_address: str) -> bool:
    """True when the external address is on the sanctions list (addresses compare case-insensitively)."""
    return (hosted_chain, external_address.lower()) in state[SANCTIONED]


def compute_deposit_key(hosted_chain: str, external_tx_id: str) -> str:
    """The 'hosted_chain:external_tx_id' name of a deposit used by MsgResolveHold and the API."""
    return f"{hosted_chain}:{external_tx_id}"


def compute_sanctions_subject(updates: list[SanctionUpdate]) -> str:
    """The council decision a batch of sanctions changes is approved under: sha256 of its canonical encoding, so
    that only identical batches add up (gateways compute it to see what they already approved)."""
    return "sanctions:" + sha256(msgspec.json.encode(updates)).hex()


def get_deposit(state: State, hosted_chain: str, external_tx_id: str) -> Deposit | None:
    """A deposit by hosted chain and the transaction id there, or None."""
    return state[DEPOSITS].get((hosted_chain, external_tx_id))


def get_deposits_page(
    state: State, status: DepositStatus | None, newest_first: bool, offset: int, limit: int
) -> tuple[int, list[tuple[tuple[str, str], Deposit]]]:
    """(matching deposits, a page of (key, deposit)) by first attestation height, equal heights in key order."""
    index, prefix = ("by_status", (status,)) if status is not None else ("by_first_seen", ())
    total, keys = state[DEPOSITS].page_index(index, prefix, offset, limit, reverse=newest_first)
    return total, state[DEPOSITS].rows(keys)


def get_withdrawal(state: State, withdrawal_id: int) -> Withdrawal | None:
    """A withdrawal by id, or None."""
    return state[WITHDRAWALS].get(withdrawal_id)


def get_withdrawal_count(state: State) -> int:
    """Withdrawals ever requested (their ids are 0 .. count - 1)."""
    return state[WITHDRAWAL_COUNT].get()


def get_withdrawals_page(
    state: State,
    status: WithdrawalStatus | None,
    owner: str | None,
    newest_first: bool,
    offset: int,
    limit: int,
) -> tuple[int, list[tuple[int, Withdrawal]]]:
    """(matching withdrawals, a page of (id, withdrawal)) by id, optionally only one status and/or owner."""
    filters = {"owner": owner, "status": status}
    total, ids = state[WITHDRAWALS].page_numbered(
        get_withdrawal_count(state), filters, offset, limit, newest_first=newest_first
    )
    return total, state[WITHDRAWALS].rows(ids)


def get_sanctions_page(
    state: State, hosted_chain: str | None, offset: int, limit: int
) -> tuple[int, list[tuple[tuple[str, str], SanctionEntry]]]:
    """(listed addresses, a page of ((hosted chain, address), entry)) in key order, optionally of one chain."""
    prefix = () if hosted_chain is None else (hosted_chain,)
    total, keys = state[SANCTIONED].page_index("by_key", prefix, offset, limit)
    return total, state[SANCTIONED].rows(keys)
